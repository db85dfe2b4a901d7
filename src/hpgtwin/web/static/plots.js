// Draw every Plotly figure the server embedded as JSON in a data-figure attribute (no inline script: CSP).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("div.plotly-figure[data-figure]").forEach((el) => {
    const figure = JSON.parse(el.dataset.figure);
    const config = JSON.parse(el.dataset.config || "{}");
    window.Plotly.newPlot(el, figure.data, figure.layout, config);
  });
});
