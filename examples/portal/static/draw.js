// The signature pad: pointer events draw on the canvas and are kept as strokes of
// [x, y, milliseconds since the first point]; on submit the canvas goes as a PNG data URL
// and the strokes as JSON (esig's DrawnSignature keeps both).
(function () {
  const pad = document.getElementById("pad");
  const ctx = pad.getContext("2d");
  const strokes = [];
  let current = null;
  let start = null;
  ctx.lineWidth = 2.5;
  ctx.lineCap = "round";
  ctx.strokeStyle = "#0b2a8a";
  function point(event) {
    const r = pad.getBoundingClientRect();
    if (start === null) start = performance.now();
    return [event.clientX - r.left, event.clientY - r.top, Math.round(performance.now() - start)];
  }
  pad.addEventListener("pointerdown", (e) => {
    current = [point(e)];
    strokes.push(current);
    pad.setPointerCapture(e.pointerId);
  });
  pad.addEventListener("pointermove", (e) => {
    if (!current) return;
    const p = point(e);
    const last = current[current.length - 1];
    if (p[2] < last[2]) p[2] = last[2];
    current.push(p);
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
  });
  const end = () => { current = null; };
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointercancel", end);
  document.getElementById("clear").addEventListener("click", () => {
    ctx.clearRect(0, 0, pad.width, pad.height);
    strokes.length = 0;
    start = null;
  });
  document.getElementById("draw-form").addEventListener("submit", (e) => {
    if (!strokes.some((s) => s.length > 1)) {
      e.preventDefault();
      alert("Draw your signature first.");
      return;
    }
    document.getElementById("png").value = pad.toDataURL("image/png");
    document.getElementById("strokes").value = JSON.stringify(strokes);
  });
})();
