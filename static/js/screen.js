/* The big screen: a full-screen button (the rest is htmx polling, see poll.js). */
(function () {
  "use strict";
  var button = document.querySelector("[data-fullscreen]");
  if (!button || !document.documentElement.requestFullscreen) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen();
  });
  document.addEventListener("fullscreenchange", function () {
    button.hidden = Boolean(document.fullscreenElement);
  });
})();
