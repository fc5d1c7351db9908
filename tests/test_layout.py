"""The scroll_boxes filter: stored course HTML gets the focusable scroll boxes that the templates'
tables get (templates/_scroll_box.html), so a wide code block or table never widens a page."""

from __future__ import annotations

from flask import Flask, render_template_string

from lms.courses.render import render_markdown
from lms.layout import scroll_boxes

LESSON = """\
Some text with `<pre>` in it, and [a link](https://example.com "<pre>table</pre>").

```text
A very long line of a prompt that would not fit on a phone at all, and must scroll in its box.
```

| Area | Level |
| --- | --- |
| Foundations | 3 |

<pre><table><tr><td>nested</td></tr></table></pre>
"""


def test_every_code_block_and_table_is_wrapped_in_a_named_focusable_region() -> None:
    html = scroll_boxes(render_markdown(LESSON))
    assert html.count('<div class="scroll-box" tabindex="0" role="region"') == 4
    for label in ("Code example 1", "Code example 2", "Table 1", "Table 2"):
        assert f'aria-label="{label}"' in html
    # Each box closes right after its element; the nested ones nest.
    assert html.count("</pre></div>") == 2 and html.count("</table></div>") == 2
    assert html.count("<div") == html.count("</div>")
    # Text and attribute values that merely look like tags are escaped, and left alone.
    assert "<code>&lt;pre&gt;</code>" in html
    assert 'title="&lt;pre&gt;table&lt;/pre&gt;"' in html


def test_html_without_code_or_tables_is_unchanged() -> None:
    html = render_markdown("Plain *text* and a [link](https://example.com).")
    assert scroll_boxes(html) == html
    assert scroll_boxes("") == "" and scroll_boxes(None) == ""


def test_names_stay_unique_across_the_fragments_of_one_page(app: Flask) -> None:
    fragment = render_markdown("```\ncode\n```")
    with app.test_request_context("/"):
        page = render_template_string(
            "{{ a | scroll_boxes | safe }}{{ b | scroll_boxes | safe }}", a=fragment, b=fragment
        )
    assert 'aria-label="Code example 1"' in page and 'aria-label="Code example 2"' in page
