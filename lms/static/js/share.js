/* Progressive enhancement for pages that share links. Without JavaScript the read-only fields can be
   selected and copied by hand, and the page prints with the browser's own Print command. */
(function () {
  "use strict";

  function announce(status, text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function copyButton(field) {
    var button = document.createElement("button");
    var status = document.createElement("span");
    button.type = "button";
    button.className = "button button-secondary copy-button";
    button.textContent = field.getAttribute("data-copy") || "Copy";
    if (field.getAttribute("data-copy-for")) {
      // Told apart for screen readers ("Copy link for Sky") while the visible words stay in the name.
      var which = document.createElement("span");
      which.className = "visually-hidden";
      which.textContent = " for " + field.getAttribute("data-copy-for");
      button.appendChild(which);
    }
    status.className = "copy-status";
    status.setAttribute("role", "status");
    function byHand() {
      field.focus();
      field.select();
      try {
        if (document.execCommand("copy")) { announce(status, "Copied"); return; }
      } catch (ignored) { /* fall through to the instruction */ }
      announce(status, "Selected: press Ctrl+C (or Cmd+C) to copy");
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { announce(status, "Copied"); }, byHand);
      } else {
        byHand();
      }
    });
    field.addEventListener("focus", function () { field.select(); });
    field.insertAdjacentElement("afterend", status);
    field.insertAdjacentElement("afterend", button);
  }

  document.querySelectorAll("input[data-copy]").forEach(copyButton);
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-print-hint]").forEach(function (hint) { hint.hidden = true; });
}());
