/* Conditional polling for htmx 2 (phone status and big screen).
 *
 * Polled elements carry their ETag in hx-headers as If-None-Match. Because the
 * request sets that header itself, the browser passes a 304 through to htmx
 * instead of answering from its cache; htmx 2's default responseHandling
 * would swap a 304's empty body (it matches "[23].."), so we stop that here.
 * A 204 means "nothing for you to show, but here is the new version": the
 * element keeps its content and learns the new ETag.
 */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 304) {
      event.detail.shouldSwap = false;
    } else if (status === 409 || status === 422) {
      // refused ballots come back as a fragment with the reason: show it
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var elt = event.detail.elt;
    if (!xhr || !elt || !elt.isConnected || xhr.status !== 204) return;
    var tag = xhr.getResponseHeader("ETag");
    if (tag) elt.setAttribute("hx-headers", JSON.stringify({ "If-None-Match": tag }));
  });
})();
