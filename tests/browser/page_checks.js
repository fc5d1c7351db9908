// Layout checks tests/browser/test_every_page.py runs in each page (through the DevTools
// protocol, like axe-core: the app's Content-Security-Policy does not apply to them).
window.lmsPageChecks = {
  // The document's width, and (when it is wider than the window) the first elements that stick
  // out without a scrolling box around them.
  overflow() {
    const limit = window.innerWidth;
    const scrolls = (element) => {
      for (let parent = element.parentElement; parent; parent = parent.parentElement) {
        if (parent === document.body || parent === document.documentElement) return false;
        if (getComputedStyle(parent).overflowX !== "visible") return true;
      }
      return false;
    };
    const wide = [];
    if (document.documentElement.scrollWidth > limit) {
      for (const element of document.body.querySelectorAll("*")) {
        const box = element.getBoundingClientRect();
        if (box.width > 0 && box.right > limit + 1 && !scrolls(element)) {
          wide.push(`${describe(element)} (right edge at ${Math.round(box.right)} px)`);
        }
        if (wide.length >= 4) break;
      }
    }
    return {width: document.documentElement.scrollWidth, wide};
  },

  // Touch targets under 44 px (WCAG 2.5.5) among controls, menus and navigation links (links in
  // running text are exempt). Hidden ones (a closed menu, a visually hidden label) are skipped.
  smallTargets() {
    const selector = [
      "button", "[role=button]", "summary", "select", "textarea",
      "input:not([type=hidden]):not([type=checkbox]):not([type=radio])",
      "header nav a", "nav.pager a", ".team-tabs a",
    ].join(",");
    const small = [];
    for (const element of document.querySelectorAll(selector)) {
      const box = element.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1 || getComputedStyle(element).visibility === "hidden") {
        continue;
      }
      if (box.height < 43.5 || box.width < 43.5) {
        small.push(`${describe(element)} ${Math.round(box.width)}x${Math.round(box.height)}`);
      }
    }
    return small;
  },

  // What has the keyboard focus, whether a focus ring (an outline of 2 px or more) is drawn
  // around it, and whether it is inside the window.
  focus() {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    return {
      element: describe(element),
      text: (element.innerText || "").trim().slice(0, 30),
      ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
      inside: box.left >= 0 && box.right <= window.innerWidth,
      menu: element.matches("summary.nav-toggle"),
    };
  },
};

function describe(element) {
  const classes = typeof element.className === "string" ? element.className.trim() : "";
  const name = (element.innerText || element.value || element.name || "").trim().slice(0, 30);
  return element.tagName.toLowerCase()
    + (element.id ? `#${element.id}` : "")
    + (classes ? `.${classes.split(/\s+/).join(".")}` : "")
    + (name ? ` "${name}"` : "");
}
