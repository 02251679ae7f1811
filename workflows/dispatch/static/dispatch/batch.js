// Batch pages (dispatch/batch.html): "Chọn tất cả" ticks or clears every document of the list, and follows them.
(function () {
  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    var form = all.closest("form");
    var boxes = form.querySelectorAll('input[name="tasks"]');
    var label = all.closest("[hidden]");
    if (label) label.hidden = false;
    function follow() {
      var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
    });
    boxes.forEach(function (b) { b.addEventListener("change", follow); });
    follow();
  });
})();
