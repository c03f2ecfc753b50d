/* Conditional polling for htmx 2 (phone status and big screen).
 *
 * Polled elements carry their ETag in hx-headers as If-None-Match. Because the
 * request sets that header itself, the browser passes a 304 through to htmx
 * instead of answering from its cache; htmx 2's default responseHandling
 * would swap a 304's empty body (it matches "[23].."), so we stop that here.
 * A 204 means "nothing for you to show, but here is the new version": the
 * element keeps its content and learns the new ETag.
 *
 * A ballot that did not arrive (no connection, or the server answered 502/503/504
 * because it was too busy) is sent again by itself, after the server's
 * Retry-After or a growing pause, and the phone says plainly meanwhile that the
 * vote has not been received yet. Only the server's "ontvangen" ends it.
 *
 * A hidden phone page does not poll, and asks at once when it is shown again.
 *
 * A long-polled element ([data-long-poll]) is held by the server until its round opens
 * or closes; it asks again as soon as it is answered, but not sooner than every
 * data-poll-seconds (a server with no room to hold it answers at once), and after a
 * growing pause when the answer failed. Its requests name the page (X-Hhu-Page), so
 * that the server ends a poll this page no longer waits for.
 */
(function () {
  "use strict";

  // The join form is answered with the ballot page itself (one round trip less on a hall's
  // Wi-Fi), shown at the join's address: the page names its own instead, so that a reload
  // or a shared link asks for the ballot and never sends the join again
  var address = document.body.getAttribute("data-address");
  if (address && window.location.pathname !== address) {
    window.history.replaceState(window.history.state, "", address);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 304 || (longPolled(event.detail.elt) && !event.detail.elt.isConnected)) {
      // a poll the page no longer waits for (its element was replaced meanwhile) shows nothing
      event.detail.shouldSwap = false;
    } else if (status === 409 || status === 422) {
      // refused ballots come back as a fragment with the reason: show it
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A phone whose page is hidden (screen locked, in a pocket, another app in front) does
  // not poll: in a hall most phones go away after voting. Shown again, it asks at once
  // ("shown" in the element's hx-trigger), so it is never behind when it is looked at.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (document.hidden && elt && elt.hasAttribute && elt.hasAttribute("data-pause-hidden")) {
      event.preventDefault();
    } else if (longPolled(elt) && elt.pollInFlight) {
      // shown again while its poll is still held: that poll will tell it (not hx-sync,
      // which the ballot form inside would inherit)
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-pause-hidden]"), function (elt) {
      htmx.trigger(elt, "shown");
    });
  });

  // a phone's own part of a closed round is fetched at a random moment within a few
  // seconds, after the second in which the whole hall is told that the round closed
  var SPREAD_AFTER_SECONDS = 1;
  htmx.onLoad(function (content) {
    var spread = content.querySelectorAll ? content.querySelectorAll("[data-spread-seconds]") : [];
    Array.prototype.forEach.call(spread, function (elt) {
      var seconds = parseFloat(elt.dataset.spreadSeconds) || 0;
      window.setTimeout(function () {
        if (elt.isConnected) htmx.trigger(elt, "spread");
      }, (SPREAD_AFTER_SECONDS + Math.random() * seconds) * 1000);
    });
  });

  var RETRY_STATUSES = { 0: true, 502: true, 503: true, 504: true };

  var PAGE = Math.random().toString(36).slice(2) + Date.now().toString(36);

  function longPolled(elt) {
    return elt && elt.hasAttribute && elt.hasAttribute("data-long-poll");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (longPolled(event.detail.elt)) event.detail.headers["X-Hhu-Page"] = PAGE;
  });

  document.addEventListener("htmx:beforeSend", function (event) {
    var elt = event.detail.elt;
    if (!longPolled(elt)) return;
    elt.pollSentAt = Date.now();
    elt.pollInFlight = true;
  });

  function nextPoll(elt, xhr) {
    var interval = (parseFloat(elt.dataset.pollSeconds) || 2) * 1000;
    var ok = xhr && (xhr.status === 304 || (xhr.status >= 200 && xhr.status < 300));
    var wait;
    if (ok) {
      elt.pollFailures = 0;
      wait = (elt.pollSentAt || 0) + interval - Date.now();
    } else {
      elt.pollFailures = (elt.pollFailures || 0) + 1;
      var after = parseFloat(xhr && xhr.getResponseHeader("Retry-After"));
      wait = isNaN(after) ? Math.min(30000, interval * Math.pow(2, elt.pollFailures)) : after * 1000;
      wait *= 0.8 + Math.random() * 0.4;
    }
    window.setTimeout(function () {
      if (elt.isConnected) htmx.trigger(elt, "next-poll");
    }, Math.max(0, wait));
  }

  function retryBallot(form, xhr) {
    var attempt = (parseInt(form.dataset.sendAttempt, 10) || 0) + 1;
    form.dataset.sendAttempt = String(attempt);
    var note = form.querySelector("[data-send-status]");
    if (note) {
      note.textContent = form.dataset.msgRetry || "";
      note.hidden = false;
    }
    var after = parseFloat(xhr && xhr.getResponseHeader("Retry-After"));
    var seconds = isNaN(after) ? Math.min(10, attempt * 1.5) : after;
    // a little spread, so that a hall of phones does not come back in one wave
    window.setTimeout(function () {
      if (form.isConnected) htmx.trigger(form, "submit");
    }, seconds * (800 + Math.random() * 400));
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("form.ballot") && elt.isConnected) {
      if (!xhr || RETRY_STATUSES[xhr.status]) retryBallot(elt, xhr);
      return;
    }
    if (longPolled(elt)) {
      elt.pollInFlight = false;
      // answered with a new fragment: the new element asks by itself ("load")
      if (elt.isConnected) nextPoll(elt, xhr);
    }
    if (!xhr || !elt || !elt.isConnected || xhr.status !== 204) return;
    var tag = xhr.getResponseHeader("ETag");
    if (tag) elt.setAttribute("hx-headers", JSON.stringify({ "If-None-Match": tag }));
  });
})();
