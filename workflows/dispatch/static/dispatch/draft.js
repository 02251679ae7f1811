/* The drafting page, enhanced (everything works without it): fields shown only for the document types that print
   them; the recipients' lists (dispatch/widgets/picker.html) filtered as one types, "select all" for what is shown,
   carriers grouped by type or by commune. */
(function () {
  "use strict";

  function typeAware(form) {
    var select = form.querySelector("select[name=doc_type]");
    if (!select) return;
    var wrappers = form.querySelectorAll("[data-doc-types]");
    function update() {
      wrappers.forEach(function (wrapper) {
        var printed = wrapper.getAttribute("data-doc-types").split(" ").indexOf(select.value) >= 0;
        var input = wrapper.querySelector("textarea, input, select");
        var filled = !!input && input.value.trim() !== "";
        // A field with content is never hidden: the author sees it and the note, and decides.
        wrapper.hidden = !printed && !filled;
        var note = wrapper.querySelector(".draft-field__not-printed");
        if (note) note.hidden = printed || !filled;
      });
    }
    select.addEventListener("change", update);
    wrappers.forEach(function (wrapper) {
      wrapper.addEventListener("input", update);
    });
    update();
  }

  // "Lạng Sơn", "lang son" and "LANG SON" match each other.
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }

  function picker(root) {
    var filter = root.querySelector("[data-picker-filter]");
    var groupBy = root.querySelector("[data-picker-group]");
    var list = root.querySelector("[data-picker-list]");
    var count = root.querySelector("[data-picker-count]");
    var noneFound = root.querySelector("[data-picker-none-found]");
    var items = Array.prototype.slice.call(root.querySelectorAll("[data-picker-item]"));
    items.forEach(function (item) { item.dataset.search = fold(item.textContent); });

    function shown() {
      return items.filter(function (item) { return !item.hidden; });
    }
    function box(item) { return item.querySelector("input[type=checkbox]"); }
    function updateCount() {
      var checked = items.filter(function (item) { return box(item).checked; }).length;
      var visible = shown().length;
      count.textContent = root.dataset.countText.replace("{checked}", checked).replace("{shown}", visible)
        .replace("{total}", items.length);
      noneFound.hidden = visible > 0;
      noneFound.textContent = visible > 0 ? "" : root.dataset.noneText;
    }
    function applyFilter() {
      var words = fold(filter.value).split(" ").filter(Boolean);
      items.forEach(function (item) {
        item.hidden = !words.every(function (word) { return item.dataset.search.indexOf(word) >= 0; });
      });
      list.querySelectorAll("[data-picker-bucket]").forEach(function (bucket) {
        bucket.hidden = !bucket.querySelector("[data-picker-item]:not([hidden])");
      });
      updateCount();
    }
    function regroup() {
      var key = "group" + groupBy.value.charAt(0).toUpperCase() + groupBy.value.slice(1);
      var buckets = {};
      items.forEach(function (item) {
        var name = item.dataset[key] || "";
        (buckets[name] = buckets[name] || []).push(item);
      });
      list.textContent = "";
      Object.keys(buckets).sort(function (a, b) { return a.localeCompare(b, "vi"); }).forEach(function (name) {
        var bucket = document.createElement("div");
        bucket.className = "picker__group";
        bucket.setAttribute("data-picker-bucket", "");
        var head = document.createElement("p");
        head.className = "picker__subhead";
        head.textContent = name;
        var ul = document.createElement("ul");
        buckets[name].forEach(function (item) { ul.appendChild(item); });
        bucket.appendChild(head);
        bucket.appendChild(ul);
        list.appendChild(bucket);
      });
      applyFilter();
    }
    function setShown(checked) {
      shown().forEach(function (item) { box(item).checked = checked; });
      updateCount();
    }

    root.querySelector("[data-picker-tools]").hidden = false;
    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // Enter in the filter must not submit the draft
    });
    if (groupBy) groupBy.addEventListener("change", regroup);
    root.querySelector("[data-picker-all]").addEventListener("click", function () { setShown(true); });
    root.querySelector("[data-picker-none]").addEventListener("click", function () { setShown(false); });
    root.addEventListener("change", function (event) {
      if (event.target.type === "checkbox") updateCount();
    });
    applyFilter();
  }

  function init() {
    document.querySelectorAll("form.dispatch-draft-form").forEach(function (form) {
      if (form.dataset.enhanced) return;
      form.dataset.enhanced = "1";
      typeAware(form);
      form.querySelectorAll("[data-picker]").forEach(picker);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("turbo:load", init);
})();
