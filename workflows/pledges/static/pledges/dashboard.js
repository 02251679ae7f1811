// Refresh the campaign counters every 10 s without reloading the page (no external libraries).
(function () {
  var root = document.querySelector("[data-live-url]");
  if (!root) return;
  function tick() {
    fetch(root.dataset.liveUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        Object.keys(data).forEach(function (key) {
          var el = root.querySelector('[data-live="' + key + '"]');
          if (el && typeof data[key] !== "object") el.textContent = data[key];
        });
        if (data.status === "starting" || root.dataset.status !== data.status) {
          if (root.dataset.status !== data.status) window.location.reload();
        }
      })
      .catch(function () {});
  }
  setInterval(tick, 10000);
})();
