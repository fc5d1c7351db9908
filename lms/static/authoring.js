/* Author workspace: live preview while editing, jumping to a problem's line, confirming deletes.
   Progressive enhancement only: without this script the Preview button does the same on the server.
   No inline script anywhere (the CSP forbids it); the preview HTML comes from our own server, already
   sanitized exactly as it is for learners. */
(function () {
  "use strict";

  // Forms that throw work away ask first.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (element) {
    element.addEventListener("submit", function (event) {
      if (!window.confirm(element.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  var form = document.querySelector("form[data-preview-url]");
  if (!form) {
    return;
  }
  var textarea = form.querySelector("textarea[name=text]");
  var target = document.getElementById("preview");
  var status = document.getElementById("preview-status");
  var csrf = form.querySelector("input[name=csrf_token]");
  var timer = null;
  var sequence = 0;
  var DELAY_MS = 400;
  var RETRY_MS = 5000;
  var FALLBACK = "The preview could not be updated. Use the Preview button.";

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  // The server's own words about a refused preview (its alert, or the error page's message),
  // read as text: nothing of the response is inserted as HTML.
  function serverMessage(html, status) {
    if (status === 429) {
      return "The preview pauses for a moment (many updates in a short time); it updates again shortly.";
    }
    var page = new DOMParser().parseFromString(html, "text/html");
    var element = page.querySelector("[role=alert]") || page.querySelector("article p");
    var text = element ? element.textContent.trim() : "";
    return text ? text.slice(0, 300) : FALLBACK;
  }

  function goToLine(line) {
    var lines = textarea.value.split("\n");
    if (line < 1 || line > lines.length) {
      return;
    }
    var start = 0;
    for (var index = 0; index < line - 1; index += 1) {
      start += lines[index].length + 1;
    }
    textarea.focus();
    textarea.setSelectionRange(start, start + lines[line - 1].length);
    var lineHeight = parseFloat(window.getComputedStyle(textarea).lineHeight) || 20;
    textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }

  function bindLineLinks(root) {
    var links = root.querySelectorAll("a[data-line]");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        goToLine(parseInt(link.getAttribute("data-line"), 10));
      });
    });
  }

  function refresh() {
    var mine = (sequence += 1);
    var body = new FormData();
    body.append("csrf_token", csrf ? csrf.value : "");
    body.append("path", form.getAttribute("data-path"));
    body.append("text", textarea.value);
    say("Updating the preview…");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "" }
    })
      .then(function (response) {
        if (!response.ok) {
          return response.text().then(function (html) {
            if (response.status === 429 && mine === sequence) {
              // Too many previews for now: try again after a pause instead of giving up.
              window.clearTimeout(timer);
              timer = window.setTimeout(refresh, RETRY_MS);
            }
            var refused = new Error(serverMessage(html, response.status));
            refused.fromServer = true;
            throw refused;
          });
        }
        return response.text();
      })
      .then(function (html) {
        if (mine !== sequence) {
          return; // a newer preview is on its way
        }
        target.innerHTML = html;
        bindLineLinks(target);
        say("Preview updated (not saved yet).");
      })
      .catch(function (error) {
        if (mine === sequence) {
          say(error && error.fromServer ? error.message : FALLBACK);
        }
      });
  }

  textarea.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  });

  bindLineLinks(document);
  var startLine = parseInt(textarea.getAttribute("data-line") || "0", 10);
  if (startLine > 0) {
    goToLine(startLine);
  }
  form.setAttribute("data-enhanced", "true");
})();
