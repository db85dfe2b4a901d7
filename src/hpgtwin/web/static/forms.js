// Small page behaviours without inline script (CSP): unit choices per analyte, trial progress, "go back" links,
// and scrolling to the form whose input was refused.
"use strict";

function fillUnitPickers() {
  const source = document.getElementById("unit-choices");
  if (!source) return;
  const choices = {};
  JSON.parse(source.textContent).forEach((a) => { choices[a.key] = a.units; });
  document.querySelectorAll("select.analyte-pick").forEach((pick) => {
    const target = document.getElementById(pick.dataset.unit);
    const fill = () => {
      const keep = target.dataset.selected || target.value;
      target.replaceChildren(...(choices[pick.value] || []).map((u) => new Option(u, u, false, u === keep)));
      delete target.dataset.selected;
    };
    pick.addEventListener("change", fill);
    fill();
  });
}

function showTrialProgress() {
  const form = document.getElementById("trial-form");
  if (!form) return;
  form.addEventListener("submit", () => {
    document.getElementById("trial-progress").hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
  });
}

function backLinks() {
  document.querySelectorAll("a[data-back]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
}

function showFormError() {
  const error = document.querySelector(".form-error");
  if (error) error.scrollIntoView({block: "center"});
}

document.addEventListener("DOMContentLoaded", () => {
  fillUnitPickers();
  showFormError();
  showTrialProgress();
  backLinks();
});
