/* The Markdown editor: line numbers beside the text, the cursor's line and column, and buttons
   that insert a template (a module, each kind of question) where the cursor is.
   Progressive enhancement only: without this script the textarea works as it is and the templates
   are copied from their <details>. No inline script or style (the CSP forbids both): sizes are
   set from here through the CSSOM (element.style), which the CSP allows. Line numbers follow the
   text's lines, so they are hidden where the editor wraps long lines (phones, by the stylesheet). */
(function () {
  "use strict";

  var textarea = document.getElementById("editor");
  if (!textarea) {
    return;
  }

  function lineCount() {
    return textarea.value.split("\n").length;
  }

  // ------------------------------------------------------------------------- line numbers
  var gutter = document.createElement("div");
  gutter.className = "editor-gutter";
  gutter.setAttribute("aria-hidden", "true"); // the position line below says it in words
  var wrapper = document.createElement("div");
  wrapper.className = "editor-numbered";
  textarea.parentNode.insertBefore(wrapper, textarea);
  wrapper.appendChild(gutter);
  wrapper.appendChild(textarea);

  var numbered = 0;
  function numbers() {
    var count = lineCount();
    if (count === numbered) {
      return;
    }
    var parts = [];
    for (var number = 1; number <= count; number += 1) {
      parts.push(number);
    }
    gutter.textContent = parts.join("\n");
    numbered = count;
  }

  function follow() {
    gutter.scrollTop = textarea.scrollTop;
  }

  // The gutter takes the textarea's font, line height, padding and borders, so line n of the
  // numbers sits beside line n of the text; its bottom padding also covers the textarea's
  // horizontal scroll bar, so both can scroll equally far.
  function align() {
    var style = window.getComputedStyle(textarea);
    ["fontFamily", "fontSize", "lineHeight", "paddingTop", "borderTopWidth", "borderBottomWidth"]
      .forEach(function (name) {
        gutter.style[name] = style[name];
      });
    var borders = parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
    var scrollBar = Math.max(0, textarea.offsetHeight - textarea.clientHeight - borders);
    gutter.style.paddingBottom = parseFloat(style.paddingBottom) + scrollBar + "px";
    gutter.style.height = textarea.offsetHeight + "px";
    follow();
  }

  // -------------------------------------------------------------------- where the cursor is
  var position = document.getElementById("editor-position");
  function where() {
    if (!position) {
      return;
    }
    var before = textarea.value.slice(0, textarea.selectionStart);
    var line = before.split("\n").length;
    var column = before.length - before.lastIndexOf("\n");
    position.textContent = "Line " + line + " of " + lineCount() + ", column " + column;
  }

  // ------------------------------------------------------------------------------ templates
  var touched = false; // before the author has been in the text, a template goes at the end
  textarea.addEventListener("focus", function () {
    touched = true;
  });

  function insert(text) {
    var start = touched ? textarea.selectionStart : textarea.value.length;
    var end = touched ? textarea.selectionEnd : start;
    var before = textarea.value.slice(0, start);
    // A template is a block of its own: a blank line before it.
    var gap = before === "" || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    var piece = gap + text;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var inserted = false;
    try {
      // Keeps the browser's undo history, and fires "input" itself.
      inserted = document.execCommand("insertText", false, piece);
    } catch (error) {
      inserted = false;
    }
    if (!inserted) {
      textarea.setRangeText(piece, start, end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  var toolbar = document.getElementById("snippet-toolbar");
  if (toolbar) {
    Array.prototype.forEach.call(toolbar.querySelectorAll("button[data-snippet]"), function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-snippet"));
        if (source) {
          insert(source.textContent);
        }
      });
    });
    toolbar.hidden = false;
  }

  textarea.addEventListener("input", function () {
    numbers();
    follow();
    where();
  });
  textarea.addEventListener("scroll", follow);
  ["keyup", "click", "focus", "select"].forEach(function (name) {
    textarea.addEventListener(name, where);
  });
  window.addEventListener("resize", align);
  if (window.ResizeObserver) {
    new window.ResizeObserver(align).observe(textarea); // the author drags its corner
  }
  numbers();
  align();
  if (position) {
    where();
    position.hidden = false;
  }
  wrapper.setAttribute("data-numbered", "true");
})();
