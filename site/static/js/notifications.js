/* Puente: the unread count in the header, live.
 *
 * The page works without this file: the header link shows the count the
 * page was rendered with. With it, one websocket per tab joins the person's
 * own group (`WS /ws/notifications/`); the server sends the count on
 * connect, whenever a notice arrives or is read, and in answer to a ping.
 * The count in the link follows, and a rise is announced in the header's
 * polite live region. Reconnecting is reconnect.js's (loaded first), as for
 * live.js: retries spread at random (the first within 0.5-3 s, then up to
 * 30 s), at once when back online or back to the tab, and by close code:
 * 4403 (not signed in any more) stops, 4429 (too many sockets) waits 30-60
 * s, 4408 (idle) waits for the tab to be looked at, 4001 (fell behind)
 * comes back at once and the server sends the count on connect. The state
 * is in the link's data-state, the connections tried in data-attempts, the
 * next wait in data-retry-ms. */
(function () {
  "use strict";
  var link = document.querySelector("[data-notifications-socket]");
  if (!link || !("WebSocket" in window) || !window.JSON || !window.PuenteReconnect) return;

  var box = link.querySelector("[data-unread]");
  var number = link.querySelector("[data-unread-count]");
  var announcer = document.getElementById("notifications-announcer");
  var unread = parseInt(number ? number.textContent : "0", 10) || 0;

  function announce(message) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  function show(count) {
    if (typeof count !== "number" || count < 0 || count !== Math.floor(count)) return;
    var rose = count > unread;
    unread = count;
    if (number) number.textContent = String(count);
    if (box) box.hidden = count === 0;
    if (rose && announcer) {
      var text = announcer.dataset;
      announce(count === 1 ? text.one : text.many.replace("%(count)s", String(count)));
    }
  }

  var live = window.PuenteReconnect({
    element: link,
    heartbeatMs: 25000,
    open: function () {
      return new WebSocket(window.PuenteReconnect.url(link.dataset.notificationsSocket));
    },
    // The server sends the count on connect, whenever it changes and in
    // answer to a ping.
    onMessage: function (event) {
      if (event.type === "notifications.unread" || event.type === "pong") {
        show(event.unread);
      } else if (event.type === "live.resync") {
        live.ping(); // the server's feed was away: the pong has the count
      }
    }
  });

  live.start();
})();
