// Drag a signer's box on the rendered page. Pages are shown one pixel per point, so a
// box's CSS position is its place in points; on release the box goes to the server in
// PDF units (x1, y1, x2, y2 from the page's lower left) through the placement form.
(function () {
  const form = document.getElementById("place-form");
  document.querySelectorAll(".sigbox").forEach((box) => {
    let start = null;
    box.addEventListener("pointerdown", (e) => {
      start = { x: e.clientX, y: e.clientY, left: box.offsetLeft, top: box.offsetTop };
      box.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    box.addEventListener("pointermove", (e) => {
      if (!start) return;
      const page = box.parentElement;
      const left = Math.min(Math.max(0, start.left + e.clientX - start.x), page.clientWidth - box.offsetWidth);
      const top = Math.min(Math.max(0, start.top + e.clientY - start.y), page.clientHeight - box.offsetHeight);
      box.style.left = Math.round(left) + "px";
      box.style.top = Math.round(top) + "px";
    });
    box.addEventListener("pointerup", () => {
      if (!start) return;
      start = null;
      const page = box.parentElement;
      const height = Number(page.dataset.height);
      const x1 = box.offsetLeft;
      const y2 = height - box.offsetTop;
      form.elements.signer.value = box.dataset.signer;
      form.elements.page.value = page.dataset.page;
      form.elements.x1.value = x1;
      form.elements.y1.value = y2 - box.offsetHeight;
      form.elements.x2.value = x1 + box.offsetWidth;
      form.elements.y2.value = y2;
      form.submit();
    });
  });
})();
