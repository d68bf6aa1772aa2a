// The report's behaviour: the sortable message table, the filters and the
// paginated frame list. Frame text only ever reaches the page through
// textContent, never as markup.
(function () {
  "use strict";
  var PAGE = 50;
  var VERDICT = ["✓ ok", "● ok, with notes", "✖ INVALID", "– skipped"];
  var $ = function (id) { return document.getElementById(id); };
  var info = JSON.parse($("report-info").textContent);
  var index = null; // [index, message, verdict, socket, file, line, time]
  var chunkEls = document.getElementsByClassName("report-chunk");
  var chunks = [];
  var state = { msg: null, socket: null, verdict: "all", page: 0, list: [] };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // body returns the kept frame at position k, parsing its chunk once.
  function body(k) {
    var c = Math.floor(k / info.chunk);
    if (!chunks[c]) chunks[c] = JSON.parse(chunkEls[c].textContent);
    return chunks[c][k % info.chunk];
  }

  function msgName(id) {
    if (id < 0) return null;
    var m = info.messages[id];
    return m[0] + " " + m[1] + " " + m[2];
  }

  function fmtTime(t) {
    if (t === null || t === undefined) return "";
    if (t > 1e8 && t < 1e11) return new Date(t * 1000).toISOString().replace("T", " ");
    return t + " s";
  }

  // --- the message table: sorting and choosing a row

  function sortTable(table, col, th) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var ths = table.tHead.rows[0].cells;
    for (var i = 0; i < ths.length; i++) ths[i].setAttribute("aria-sort", "none");
    th.setAttribute("aria-sort", dir);
    var tb = table.tBodies[0];
    var rows = Array.prototype.slice.call(tb.rows);
    var key = function (r) {
      var c = r.cells[col];
      var s = c.getAttribute("data-sort");
      return s !== null ? parseFloat(s) : c.textContent.toLowerCase();
    };
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var r = x < y ? -1 : x > y ? 1 : 0;
      return dir === "ascending" ? r : -r;
    });
    rows.forEach(function (r) { tb.appendChild(r); });
  }

  var table = $("msg-table");
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    th.querySelector("button").addEventListener("click", function () { sortTable(table, col, th); });
  });
  function chooseRow(tr) {
    var id = parseInt(tr.getAttribute("data-msg"), 10);
    state.msg = state.msg === id ? null : id;
    update(true);
  }
  Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
    tr.addEventListener("click", function () { chooseRow(tr); });
    tr.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); chooseRow(tr); }
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.sock-filter"), function (b) {
    b.addEventListener("click", function () {
      var id = parseInt(b.getAttribute("data-socket"), 10);
      state.socket = state.socket === id ? null : id;
      update(true);
    });
  });
  $("f-verdict").addEventListener("change", function (e) { state.verdict = e.target.value; update(false); });
  $("f-clear").addEventListener("click", function () { state.msg = null; state.socket = null; update(false); });
  $("p-prev").addEventListener("click", function () { if (state.page > 0) { state.page--; render(); } });
  $("p-next").addEventListener("click", function () { if ((state.page + 1) * PAGE < state.list.length) { state.page++; render(); } });
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); });
  $("f-goto").addEventListener("change", function (e) {
    var want = parseInt(e.target.value, 10);
    if (isNaN(want)) return;
    var pos = -1;
    for (var i = 0; i < state.list.length; i++) { if (index[state.list[i]][0] >= want) { pos = i; break; } }
    if (pos < 0) return;
    state.page = Math.floor(pos / PAGE);
    render();
    var a = document.getElementById("frame-" + index[state.list[pos]][0]);
    if (a) { a.focus(); a.scrollIntoView(); }
  });

  // --- the frame list

  function update(toList) {
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      // aria-current marks the chosen row; the ▶ before its name says so
      // without colour.
      if (parseInt(tr.getAttribute("data-msg"), 10) === state.msg) tr.setAttribute("aria-current", "true");
      else tr.removeAttribute("aria-current");
    });
    var list = [];
    var v = state.verdict === "all" ? -1 : parseInt(state.verdict, 10);
    for (var k = 0; k < index.length; k++) {
      var r = index[k];
      if (state.msg !== null && r[1] !== state.msg) continue;
      if (state.socket !== null && r[3] !== state.socket) continue;
      if (v >= 0 && r[2] !== v) continue;
      list.push(k);
    }
    state.list = list;
    state.page = 0;
    var parts = [];
    if (state.msg !== null) parts.push("message " + msgName(state.msg));
    if (state.socket !== null) parts.push("socket " + state.socket + " " + info.sockets[state.socket]);
    $("f-active").textContent = parts.length ? "only " + parts.join(" and ") : "";
    $("f-clear").hidden = parts.length === 0;
    render();
    if (toList) $("frames").scrollIntoView();
  }

  function render() {
    var box = $("frame-list");
    box.textContent = "";
    var list = state.list;
    var from = state.page * PAGE, to = Math.min(list.length, from + PAGE);
    $("p-status").textContent = list.length === 0 ? "no frame kept matches" :
      "frames " + (from + 1) + "–" + to + " of " + list.length + " (page " + (state.page + 1) + " of " + Math.ceil(list.length / PAGE) + ")";
    $("p-prev").disabled = state.page === 0;
    $("p-next").disabled = to >= list.length;
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) frag.appendChild(frame(list[i]));
    box.appendChild(frag);
  }

  function frame(k) {
    var r = index[k], b = body(k);
    var a = el("article", "frame v-" + r[2]);
    a.id = "frame-" + r[0];
    a.tabIndex = -1;
    a.setAttribute("data-index", r[0]);
    a.setAttribute("aria-label", "frame " + r[0] + ": " + VERDICT[r[2]].slice(2));
    var h = el("h3");
    h.appendChild(el("span", "verdict", VERDICT[r[2]]));
    h.appendChild(document.createTextNode("#" + r[0] + " "));
    var name = msgName(r[1]);
    h.appendChild(el("strong", "msg", name !== null ? name : "(" + (b.s || "skipped") + ")"));
    h.appendChild(document.createTextNode(" "));
    h.appendChild(el("span", "where", info.files[r[4]] + ":" + r[5] + (r[3] >= 0 ? " · socket " + r[3] : "") + (r[6] !== null ? " · " + fmtTime(r[6]) : "")));
    a.appendChild(h);
    var marks = b.m || [];
    if (b.x || b.e || marks.length) {
      var ul = el("ul", "marks");
      if (b.x) ul.appendChild(el("li", "violation", "malformed JSON: " + b.x));
      if (b.e) ul.appendChild(el("li", "violation", b.e));
      marks.forEach(function (m) {
        var li = el("li", m[0] === 0 ? "violation" : "note");
        li.setAttribute("data-ptr", m[1]);
        li.appendChild(el("span", "kind", m[0] === 0 ? "violation " : "note "));
        li.appendChild(el("code", "ptr", m[1] === "" ? "(frame)" : m[1]));
        li.appendChild(document.createTextNode(": " + m[3] + " (" + m[2] + ")"));
        if (m[4] !== null) li.appendChild(el("span", "value", " value: " + m[4]));
        ul.appendChild(li);
      });
      if (b.mv) ul.appendChild(el("li", "more", "+" + b.mv + " more violations"));
      if (b.mn) ul.appendChild(el("li", "more", "+" + b.mn + " more notes"));
      a.appendChild(ul);
    }
    if (b.b || b.r !== undefined) {
      // Frames with violations or notes open; plain ones one click away.
      var d = el("details", "frame-body");
      d.open = r[2] === 1 || r[2] === 2;
      d.appendChild(el("summary", null, "frame body, " + b.n + " bytes" + (info.showValues ? "" : ", values masked")));
      d.appendChild(pretty(b, marks));
      a.appendChild(d);
    }
    return a;
  }

  // pretty writes the frame's lines, each mark annotated on the line of
  // its pointer, or of the nearest ancestor the frame has.
  function pretty(b, marks) {
    var pre = el("pre", "body");
    pre.setAttribute("aria-label", "frame body" + (info.showValues ? "" : ", values masked"));
    if (b.r !== undefined) { pre.textContent = b.r; return pre; }
    var byPtr = Object.create(null);
    b.b.forEach(function (l, i) { if (l.length > 2 && !(l[2] in byPtr)) byPtr[l[2]] = i; });
    var ann = Object.create(null);
    marks.forEach(function (m) {
      var p = m[1], missing = false;
      while (!(p in byPtr) && p !== "") { p = p.slice(0, p.lastIndexOf("/")); missing = true; }
      if (!(p in byPtr)) return;
      var i = byPtr[p];
      (ann[i] = ann[i] || []).push({ m: m, missing: missing });
    });
    b.b.forEach(function (l, i) {
      var s = el("span", "ln", new Array(l[0] + 1).join("  ") + l[1]);
      if (l.length > 2) s.setAttribute("data-ptr", l[2]);
      var list = ann[i];
      if (list) {
        var bad = list.some(function (x) { return x.m[0] === 0; });
        s.className += bad ? " hl-violation" : " hl-note";
        list.forEach(function (x) {
          var m = x.m;
          s.appendChild(el("span", "ann", "◀ " + (m[0] === 0 ? "violation" : "note") + (x.missing ? " at " + m[1] : "") + ": " + m[3] + " (" + m[2] + ")"));
        });
      }
      pre.appendChild(s);
    });
    if (b.bm) pre.appendChild(el("span", "ln more", "… " + b.bm + " more lines not kept"));
    return pre;
  }

  // The page paints its static parts first; the index is read after.
  function start() {
    index = JSON.parse($("report-index").textContent);
    update(false);
    document.body.setAttribute("data-ready", "true");
  }
  if (window.requestAnimationFrame) requestAnimationFrame(function () { setTimeout(start, 0); });
  else setTimeout(start, 0);
})();
