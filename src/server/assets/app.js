// modelvet web app: progressive enhancement only. Every page works without this file (filters
// are a GET form, reviews a POST form); it adds conveniences and never builds markup from data.
"use strict";

(function () {
  // Filters apply as soon as a select or checkbox changes.
  const filters = document.querySelector("form.filters");
  if (filters) {
    filters.addEventListener("change", function (e) {
      const t = e.target;
      if (t instanceof HTMLSelectElement || (t instanceof HTMLInputElement && t.type === "checkbox")) {
        filters.requestSubmit();
      }
    });
    // Empty fields stay out of the URL.
    filters.addEventListener("formdata", function (e) {
      for (const [key, value] of Array.from(e.formData.entries())) {
        if (value === "") e.formData.delete(key);
      }
    });
  }

  // "/" focuses the search box.
  const search = document.getElementById("q");
  if (search) {
    document.addEventListener("keydown", function (e) {
      const tag = (document.activeElement && document.activeElement.tagName) || "";
      if (e.key === "/" && !e.ctrlKey && !e.metaKey && !/^(INPUT|TEXTAREA|SELECT)$/.test(tag)) {
        e.preventDefault();
        search.focus();
        search.select();
      }
    });
  }

  // Times read relative ("3 days ago"); the exact UTC time stays in the tooltip.
  const rtf = typeof Intl !== "undefined" && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" })
    : null;
  if (rtf) {
    const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
                   ["hour", 3600], ["minute", 60]];
    for (const el of document.querySelectorAll("time[datetime]")) {
      const t = Date.parse(el.getAttribute("datetime"));
      if (isNaN(t)) continue;
      const seconds = (t - Date.now()) / 1000;
      let text = rtf.format(Math.round(seconds), "second");
      for (const [unit, size] of units) {
        if (Math.abs(seconds) >= size) {
          text = rtf.format(Math.round(seconds / size), unit);
          break;
        }
      }
      el.title = el.textContent;
      el.textContent = text;
    }
  }

  // A decision form says how much of the note is left, and cannot be sent twice.
  for (const form of document.querySelectorAll("form.review-form")) {
    const note = form.querySelector("textarea");
    if (note && note.maxLength > 0) {
      const left = document.createElement("span");
      left.className = "hint";
      const update = function () {
        left.textContent = (note.maxLength - new TextEncoder().encode(note.value).length) +
          " bytes left";
      };
      note.addEventListener("input", update);
      update();
      note.insertAdjacentElement("afterend", left);
    }
    form.addEventListener("submit", function () {
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
    });
  }

  // A reproduction request cannot be sent twice either.
  for (const form of document.querySelectorAll("form.reproduce-form")) {
    form.addEventListener("submit", function () {
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
    });
  }
})();
