// While the department countersigns, ask every 5 s whether the files are ready and reload the page once they are.
(function () {
  var el = document.querySelector("[data-wait-url]");
  if (!el) return;
  var delay = 5000;
  function tick() {
    fetch(el.dataset.waitUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.countersigned) { window.location.reload(); return; }
        delay = Math.min(delay * 1.2, 30000);
        setTimeout(tick, delay);
      })
      .catch(function () { setTimeout(tick, 30000); });
  }
  setTimeout(tick, delay);
})();
