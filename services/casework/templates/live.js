// Live updates of the casework pages (progressive enhancement: without
// JavaScript the pages work the same, only without live updates).
// An element with data-events names the stream; on a change the inbox
// reloads itself unless a form field has the focus, and a case page
// shows a notice with a link to reload, so nothing being typed is lost.
"use strict";
(function () {
  var box = document.querySelector("[data-events]");
  if (!box || !window.EventSource) {
    return;
  }
  var stream = new EventSource(box.getAttribute("data-events"));
  stream.addEventListener("change", function () {
    var typing = document.activeElement && document.activeElement.form;
    if (box.hasAttribute("data-reload") && !typing) {
      window.location.reload();
      return;
    }
    box.textContent = "";
    var link = document.createElement("a");
    link.href = window.location.pathname + window.location.search;
    link.textContent = "Ladda om sidan";
    box.append("Ärendet har ändrats. ", link);
    box.hidden = false;
  });
})();
