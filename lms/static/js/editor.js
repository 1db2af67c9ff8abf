// The browser editor: a link to a line of the file (#L12) also puts the cursor on that line in the
// text box. Without JavaScript the link still jumps to the numbered line below the editor.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-line]");
  var box = document.getElementById("text");
  if (!link || !box) { return; }
  var line = parseInt(link.getAttribute("data-line"), 10);
  var lines = box.value.split("\n");
  var start = 0;
  for (var i = 0; i < line - 1 && i < lines.length; i += 1) { start += lines[i].length + 1; }
  var end = start + (lines[line - 1] || "").length;
  event.preventDefault();
  box.focus();
  box.setSelectionRange(start, end);
  var lineHeight = box.scrollHeight / Math.max(lines.length, 1);
  box.scrollTop = Math.max(0, (line - 3) * lineHeight);
  history.replaceState(null, "", "#L" + line);
});
