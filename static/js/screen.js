/* The big screen: a full-screen button, and the reveal keys for a logged-in facilitator
   (the rest is htmx polling, see poll.js).

   Space, arrow right/down and Page Down (what presentation clickers send) reveal the next
   place; arrow left/up, Page Up and Backspace go back; A or End shows everything; Home
   starts the reveal again. Each key posts the reveal form (which also works as plain
   buttons without JavaScript) and then fetches the screen's fragment at once, so the
   screen does not wait for its next poll; other screens and the phones follow through
   their polls, because the position is stored on the server. */
(function () {
  "use strict";
  var button = document.querySelector("[data-fullscreen]");
  if (button && document.documentElement.requestFullscreen) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen();
    });
    document.addEventListener("fullscreenchange", function () {
      button.hidden = Boolean(document.fullscreenElement);
    });
  }

  var form = document.querySelector("[data-reveal-form]");
  if (!form || !window.fetch) return;
  var KEYS = {
    " ": "next", ArrowRight: "next", ArrowDown: "next", PageDown: "next", Enter: "next",
    ArrowLeft: "back", ArrowUp: "back", PageUp: "back", Backspace: "back",
    a: "all", A: "all", End: "all", Home: "start"
  };
  // keys pressed while a step is on its way wait their turn: each is one step, in order
  var queue = [];
  var busy = false;

  function refresh() {
    var live = document.getElementById("screen-live");
    if (live && window.htmx) {
      return window.htmx.ajax("GET", live.getAttribute("hx-get"), { target: "#screen-live", swap: "outerHTML" });
    }
    return null;
  }

  function next() {
    if (busy || !queue.length) return;
    busy = true;
    var data = new FormData(form);
    data.set("step", queue.shift());
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "HX-Request": "true" }
    }).then(function () {
      // the screen shows the new place at once, not at its next poll
      if (!queue.length) return refresh();
      return null;
    }, function () {}).then(function () {
      busy = false;
      next();
    });
  }

  function send(step) {
    if (queue.length < 10) queue.push(step);
    next();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var submitter = event.submitter;
    send(submitter && submitter.value ? submitter.value : "next");
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var step = KEYS[event.key];
    if (!step) return;
    // a focused button would also "click" on space or Enter: the key alone decides
    event.preventDefault();
    send(step);
  });
})();
