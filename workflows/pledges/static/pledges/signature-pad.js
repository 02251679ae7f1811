// Draw a signature with finger, pen or mouse; the PNG goes into the hidden field on submit. No dependencies.
(function () {
  function setup(canvas) {
    var ctx = canvas.getContext("2d");
    var target = document.getElementById(canvas.dataset.target);
    var drawing = false, dirty = false, last = null;
    ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#122da0";
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; dirty = true; e.preventDefault();
    });
    function stop() {
      if (drawing && dirty) target.value = canvas.toDataURL("image/png");
      drawing = false;
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    var clear = document.querySelector('[data-clear="' + canvas.id + '"]');
    if (clear) clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); target.value = ""; dirty = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-target]").forEach(setup);
  });
})();
