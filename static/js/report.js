// The report's print button: opens the browser's print dialog (where "Save as PDF" lives).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
