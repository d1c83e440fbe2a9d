// Tianfu console: small behaviours that need no framework. htmx carries the CSRF token on every
// request it makes (hx-headers on <body>); charts are drawn from JSON embedded in the page.
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function fmt(n) {
    return Number(n).toLocaleString("zh-CN");
  }

  // Colour steps at the quintiles of the values (a few large cities would leave every other
  // region pale on a linear scale); fewer steps when there are fewer distinct values.
  var STEPS = ["#dce8f7", "#a9c6ec", "#6e9edb", "#3b72c0", "#1c4a8f"];
  function quantilePieces(values) {
    var v = values.filter(function (x) { return x > 0; }).sort(function (a, b) { return a - b; });
    if (!v.length) return [{ min: 0, max: 0, color: STEPS[0], label: "0" }];
    var breaks = [];
    for (var i = 1; i < STEPS.length; i++) {
      var b = v[Math.floor(i * v.length / STEPS.length)];
      if (b > v[0] && breaks.indexOf(b) < 0) breaks.push(b);
    }
    var pieces = [], lo = 0;
    breaks.forEach(function (b, i) {
      pieces.push({ gte: lo, lt: b, label: fmt(lo) + " – " + fmt(b - 1) });
      lo = b;
    });
    pieces.push({ gte: lo, label: "≥ " + fmt(lo) });
    var off = STEPS.length - pieces.length;
    pieces.forEach(function (p, i) { p.color = STEPS[i + Math.max(off, 0)]; });
    return pieces;
  }

  function drawMap() {
    var el = document.getElementById("map");
    var d = data("map-data");
    if (!el || !d || !window.echarts) return;
    fetch(el.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
      // A city's view draws that city's boundary alone, which fits (zooms) the map onto it.
      var name = "sichuan";
      if (d.focus) {
        name = "focus";
        geo = { type: "FeatureCollection", features: geo.features.filter(function (f) { return f.properties.name === d.focus; }) };
      }
      echarts.registerMap(name, geo);
      var chart = echarts.init(el);
      var values = d.cities.map(function (c) { return { name: c.name, value: c.value != null ? c.value : c.students, code: c.code }; });
      // The indicators' overview colours by red counts: none green, then darker reds.
      var pieces = d.rag
        ? [{ value: 0, color: "#bfe3c9", label: "0" }, { min: 1, max: 2, color: "#f5c0b8", label: "1–2" }, { min: 3, max: 5, color: "#e07a6a", label: "3–5" }, { min: 6, color: "#b03a2e", label: "≥ 6" }]
        : quantilePieces(values.map(function (v) { return v.value; }));
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + d.label + "：" + fmt(p.value || 0); } },
        visualMap: { type: "piecewise", show: !d.focus || d.rag, left: 10, bottom: 10, pieces: pieces },
        series: [{
          type: "map", map: name, nameProperty: "name", roam: true, data: values,
          // White text with a dark halo reads on the palest and the darkest fill alike.
          label: { show: true, fontSize: 11, color: "#fff", textBorderColor: "#1b2b45", textBorderWidth: 2 },
          emphasis: { label: { show: true, color: "#fff" }, itemStyle: { areaColor: "#e0a526" } }
        }]
      });
      chart.on("click", function (p) {
        if (p.data && p.data.code && !d.focus) location.href = (d.link || "/overview/region/") + p.data.code;
      });
      el.dataset.rendered = "true";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function drawBars() {
    document.querySelectorAll("[data-bars]").forEach(function (el) {
      var d = data(el.dataset.bars);
      if (!d || !window.echarts) return;
      var chart = echarts.init(el);
      var series = [{ type: "bar", data: d.values, itemStyle: { color: "#2f6bc4" } }];
      var yMax = null;
      // Reference lines: the national standards where students per teacher are compared; the
      // axis reaches the highest of them, and their labels sit at different ends so that two
      // close standards (13.5, 12.5) stay readable.
      if (d.marks) {
        var top = Math.max.apply(null, d.values.concat(d.marks.map(function (m) { return m.value; })));
        yMax = Math.ceil(top * 1.15);
        var at = ["insideEndTop", "insideStartTop", "insideMiddleBottom"];
        series[0].markLine = {
          symbol: "none", silent: true,
          lineStyle: { type: "dashed", color: "#c0392b" },
          data: d.marks.map(function (m, i) {
            return { name: m.name, yAxis: m.value, label: { formatter: "{b}", position: at[i % at.length], color: "#c0392b", backgroundColor: "rgba(255,255,255,0.8)", padding: [1, 3] } };
          })
        };
      }
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return fmt(v); } },
        grid: { left: 60, right: 20, top: 30, bottom: 60 },
        xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 8 ? 40 : 0 } },
        yAxis: { type: "value", name: d.unit || "", max: yMax, axisLabel: { formatter: function (v) { return fmt(v); } } },
        series: series
      });
      el.dataset.rendered = "true";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function drawPoints() {
    var el = document.getElementById("points");
    if (!el || !window.echarts) return;
    var pts = el.dataset.url ? fetch(el.dataset.url).then(function (r) { return r.json(); }) : Promise.resolve(data("points-data") || []);
    Promise.all([fetch(el.dataset.geo).then(function (r) { return r.json(); }), pts]).then(function (both) {
      var geo = both[0], d = both[1];
      echarts.registerMap("sichuan", geo);
      var chart = echarts.init(el);
      chart.setOption({
        geo: { map: "sichuan", roam: true, itemStyle: { areaColor: "#eef3fb", borderColor: "#8aa6d1" } },
        tooltip: { trigger: "item", formatter: function (p) { return p.data.name; } },
        series: [{ type: "scatter", coordinateSystem: "geo", symbolSize: 6, itemStyle: { color: "#c0392b" }, data: d.map(function (s) { return { name: s.name, value: [s.lng, s.lat] }; }) }]
      });
      el.dataset.rendered = "true";
    });
  }

  // 学校地图 (/schools/map): the server bins the schools of the view into a grid (or sends each
  // school once few are in view); every pan or zoom asks again for the new view.
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  function drawSchoolMap() {
    var el = document.getElementById("school-map");
    if (!el || !window.echarts) return;
    fetch(el.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap("sichuan", geo);
      var chart = echarts.init(el);
      var pending = 0;
      chart.setOption({
        geo: { map: "sichuan", roam: true, scaleLimit: { min: 1, max: 400 }, itemStyle: { areaColor: "#eef3fb", borderColor: "#8aa6d1" }, emphasis: { disabled: true } },
        tooltip: { trigger: "item", formatter: function (p) {
          var d = p.data || {};
          if (d.count) return fmt(d.count) + esc(el.dataset.cluster);
          return esc(d.name || "") + (d.note ? "<br>" + esc(el.dataset.note) + esc(d.note) : "");
        } },
        series: [
          { id: "bins", type: "scatter", coordinateSystem: "geo", data: [], symbolSize: function (v, p) { return 16 + Math.min(30, Math.sqrt(p.data.count)); },
            itemStyle: { color: "#2f6bc4", opacity: 0.8 }, label: { show: true, formatter: function (p) { return p.data.count; }, color: "#fff", fontSize: 11 } },
          { id: "points", type: "scatter", coordinateSystem: "geo", data: [], symbolSize: 8 }
        ]
      });
      function bbox() {
        var a = chart.convertFromPixel({ geoIndex: 0 }, [0, chart.getHeight()]);
        var b = chart.convertFromPixel({ geoIndex: 0 }, [chart.getWidth(), 0]);
        return [a[0], a[1], b[0], b[1]].map(function (x) { return x.toFixed(4); }).join(",");
      }
      function load() {
        var n = ++pending;
        fetch(el.dataset.url + "&bbox=" + bbox()).then(function (r) { return r.json(); }).then(function (v) {
          if (n !== pending) return;
          chart.setOption({ series: [
            { id: "bins", data: v.bins.map(function (b) { return { value: [b.lng, b.lat], count: b.count }; }) },
            { id: "points", data: v.points.map(function (p) {
              return { value: [p.lng, p.lat], name: p.name, code: p.code, note: p.note, itemStyle: { color: p.flag ? "#c0392b" : "#27ae60" } };
            }) }
          ] });
          el.dataset.mode = v.mode;
          el.dataset.inView = v.in_view;
          el.dataset.rendered = "true";
        });
      }
      var timer = null;
      chart.on("georoam", function () { clearTimeout(timer); timer = setTimeout(load, 250); });
      chart.on("click", function (p) {
        var d = p.data || {};
        if (d.count) {
          var g = chart.getOption().geo[0];
          chart.setOption({ geo: { center: d.value, zoom: (g.zoom || 1) * 3 } });
          load();
        } else if (d.code) {
          window.location.href = "/schools/" + encodeURIComponent(d.code);
        }
      });
      window.addEventListener("resize", function () { chart.resize(); });
      load();
    });
  }

  // A rate against its target (the universities' IPv6 support against 100 %).
  function drawGauges() {
    document.querySelectorAll("[data-gauge]").forEach(function (el) {
      var d = data(el.dataset.gauge);
      if (!d || !window.echarts) return;
      var chart = echarts.init(el);
      var t = d.target / 100;
      chart.setOption({
        series: [{
          type: "gauge", min: 0, max: 100, radius: "95%",
          axisLine: { lineStyle: { width: 14, color: [[Math.min(t * 0.6, 1), "#c0392b"], [Math.min(t * 0.9, 1), "#e67e22"], [1, "#27ae60"]] } },
          pointer: { itemStyle: { color: "#2f6bc4" } },
          detail: { formatter: "{value}%", fontSize: 22, offsetCenter: [0, "65%"] },
          title: { offsetCenter: [0, "90%"], fontSize: 13 },
          markLine: {},
          data: [{ value: d.value, name: d.label + " / " + d.target + "%" }]
        }]
      });
      el.dataset.rendered = "true";
    });
  }

  // A monitored site: response times over IPv4 and IPv6 (lines) and availability (bars, %).
  function drawSiteCharts() {
    var rt = document.querySelector("[data-rt]");
    if (rt && window.echarts) {
      var d = data(rt.dataset.rt).rt;
      var chart = echarts.init(rt);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: d.names, top: 0 },
        grid: { left: 60, right: 20, top: 30, bottom: 50 },
        xAxis: { type: "category", data: d.labels, boundaryGap: false },
        yAxis: { type: "value", name: d.unit },
        series: [
          { name: d.names[0], type: "line", data: d.v4, showSymbol: d.labels.length < 60, connectNulls: false, itemStyle: { color: "#2f6bc4" } },
          { name: d.names[1], type: "line", data: d.v6, showSymbol: d.labels.length < 60, connectNulls: false, itemStyle: { color: "#1e8449" } }
        ]
      });
      rt.dataset.rendered = "true";
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var av = document.querySelector("[data-avail]");
    if (av && window.echarts) {
      var a = data(av.dataset.avail).avail;
      var bars = echarts.init(av);
      bars.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "-" : v + "%"; } },
        grid: { left: 60, right: 20, top: 30, bottom: 50 },
        xAxis: { type: "category", data: a.labels },
        yAxis: { type: "value", name: a.unit, min: 0, max: 100 },
        // An outage hour is 0 %, drawn as a red sliver (barMinHeight), not as an empty gap.
        series: [{ name: a.names[0], type: "bar", data: a.v4, barMinHeight: 3, itemStyle: { color: function (p) { return p.value >= 99 ? "#1e8449" : p.value >= 90 ? "#b9770e" : "#9b1c1c"; } } }]
      });
      av.dataset.rendered = "true";
      window.addEventListener("resize", function () { bars.resize(); });
    }
  }

  // Confirmation before an act that is hard to undo (issue 12). Any form, link or button that
  // carries data-confirm="…" (what will happen, to how many records) asks first in the page's
  // <dialog id="confirm-dialog"> (base.html); data-confirm-ok names the act on the button. The
  // dialog is modal (focus stays in it, Esc cancels); focus starts on 取消 and returns to the
  // element that asked. htmx elements are asked through htmx:confirm.
  function ask(el, go) {
    var dlg = document.getElementById("confirm-dialog");
    if (!dlg || typeof dlg.showModal !== "function") {
      if (window.confirm(el.dataset.confirm)) go();
      return;
    }
    var ok = dlg.querySelector("[data-ok]");
    dlg.querySelector("#confirm-text").textContent = el.dataset.confirm;
    ok.textContent = el.dataset.confirmOk || ok.dataset.default;
    ok.classList.toggle("danger", el.dataset.confirmDanger !== "false");
    dlg.returnValue = "";
    // Back to the button that asked (a form itself takes no focus).
    var back = document.activeElement && document.activeElement !== document.body ? document.activeElement : el;
    dlg.onclose = function () {
      if (back.isConnected && typeof back.focus === "function") back.focus();
      if (dlg.returnValue === "ok") go();
    };
    dlg.showModal();
    dlg.querySelector("[data-cancel]").focus();
  }

  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.matches || !f.matches("form[data-confirm]") || f.dataset.confirmed === "1") return;
    // Stopped here (capture), so that htmx sees only the confirmed submission.
    e.preventDefault();
    e.stopPropagation();
    var by = e.submitter;
    ask(f, function () {
      f.dataset.confirmed = "1";
      if (typeof f.requestSubmit === "function") f.requestSubmit(by && by.form === f ? by : undefined); else f.submit();
      f.dataset.confirmed = "";
    });
  }, true);

  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[data-confirm]") : null;
    if (!a || a.hasAttribute("hx-get") || a.hasAttribute("hx-post")) return;
    e.preventDefault();
    ask(a, function () { window.location.assign(a.href); });
  });

  document.addEventListener("htmx:confirm", function (e) {
    var el = e.detail && e.detail.elt;
    if (!el || !el.dataset || !el.dataset.confirm || el.tagName === "FORM") return;
    e.preventDefault();
    ask(el, function () { e.detail.issueRequest(true); });
  });

  // The navigation behind a button on a phone (aria-expanded tells a screen reader its state).
  function navToggle() {
    var b = document.getElementById("nav-toggle"), nav = document.getElementById("side-nav");
    if (!b || !nav) return;
    b.addEventListener("click", function () {
      var open = b.getAttribute("aria-expanded") !== "true";
      b.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
  }

  // A table wider than the screen scrolls inside its box; the box takes the keyboard's focus so
  // that it can be scrolled without a mouse (WCAG 2.1.1).
  function scrollBoxes() {
    document.querySelectorAll(".scroll").forEach(function (el) {
      if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
    });
  }

  // On a phone the alert and site lists read as cards (app.css, max-width 760px): each cell
  // carries its column's name. Another table opts in with data-cards.
  function phoneCards() {
    document.querySelectorAll("#alert-table, #site-table, table[data-cards]").forEach(function (t) {
      var heads = Array.prototype.map.call(t.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      t.classList.add("cards");
      t.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.cells, function (td, i) {
          if (heads[i] && !td.hasAttribute("colspan") && !td.hasAttribute("data-label")) td.setAttribute("data-label", heads[i]);
        });
      });
    });
  }

  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    navToggle();
    scrollBoxes();
    phoneCards();
    drawMap();
    drawBars();
    drawPoints();
    drawSchoolMap();
    drawGauges();
    drawSiteCharts();
  });
  document.addEventListener("htmx:afterSwap", drawBars);
  document.addEventListener("htmx:afterSwap", scrollBoxes);
  document.addEventListener("htmx:afterSwap", phoneCards);
  // The region table is the map's keyboard path: after a drill-down, focus goes to its title.
  document.addEventListener("htmx:afterSwap", function (e) {
    var t = e.detail && e.detail.target;
    var title = t && t.id === "drill" ? document.getElementById("drill-title") : null;
    if (title) title.focus();
  });

  // The organisation-tree picker (templates/org_picker.html): the tree loads when first opened,
  // the search box asks again as one types, and a click on a city, county or school writes its
  // code into the form's region field, or a school into the school field (name（code）, which
  // the lists read back as the code; the code alone where one field takes any level).
  function orgLoad(picker, q) {
    if (!window.htmx) return;
    var url = picker.dataset.src + (q ? "&q=" + encodeURIComponent(q) : "");
    htmx.ajax("GET", url, { target: picker.querySelector(".org-body"), swap: "innerHTML" });
  }
  document.addEventListener("toggle", function (e) {
    var p = e.target;
    if (p.classList && p.classList.contains("org-picker") && p.open && !p.dataset.loaded) {
      p.dataset.loaded = "1";
      orgLoad(p, "");
    }
  }, true);
  var orgTimer = null;
  document.addEventListener("input", function (e) {
    if (!e.target.classList.contains("org-q")) return;
    var p = e.target.closest(".org-picker");
    clearTimeout(orgTimer);
    orgTimer = setTimeout(function () { orgLoad(p, e.target.value.trim()); }, 250);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.classList.contains("org-q")) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-org-code]");
    if (!a) return;
    var p = a.closest(".org-picker");
    if (!p) return;
    e.preventDefault();
    var school = a.dataset.orgLevel === "school";
    var one = p.dataset.regionFor === p.dataset.schoolFor;
    var field = document.getElementById(school ? p.dataset.schoolFor : p.dataset.regionFor);
    if (!field) return;
    field.value = school && !one ? a.dataset.orgName + "（" + a.dataset.orgCode + "）" : a.dataset.orgCode;
    if (school && !one) {
      // A school narrows further than a region: the region filter is left open.
      var r = document.getElementById(p.dataset.regionFor);
      if (r) r.value = "";
    }
    field.dispatchEvent(new Event("change", { bubbles: true }));
    p.querySelector(".org-picked").textContent = "：" + a.dataset.orgName;
    p.open = false;
  });
})();

// ---------------------------------------------------------------- issue 12: upload feedback
// The import form sends its file with XMLHttpRequest to show the bytes sent; any upload form's
// button is disabled while it is sent. A refused upload shows the server's own message, and the
// list of failed uploads is fetched again (the server keeps it).
(function () {
  "use strict";

  function size(n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.ceil(n / 1024)) + " KB";
  }

  function busy(form) {
    var btn = form.querySelector("button[type=submit]");
    if (!btn) return null;
    btn.disabled = true;
    btn.setAttribute("aria-busy", "true");
    if (btn.dataset.busy) {
      btn.dataset.label = btn.textContent;
      btn.textContent = btn.dataset.busy;
    }
    return btn;
  }

  function idle(btn) {
    if (!btn) return;
    btn.disabled = false;
    btn.removeAttribute("aria-busy");
    if (btn.dataset.label) btn.textContent = btn.dataset.label;
  }

  function refreshFailed() {
    fetch("/imports", { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("failed-uploads");
      var old = document.getElementById("failed-uploads");
      var batches = document.getElementById("batch-table");
      if (!fresh) return;
      if (old) old.replaceWith(fresh);
      else if (batches) batches.closest(".panel").before(fresh);
    }).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[enctype='multipart/form-data']").forEach(function (f) {
      if (f.id !== "upload-form") f.addEventListener("submit", function () { busy(f); });
    });
    var form = document.getElementById("upload-form");
    var box = document.getElementById("upload-progress");
    var err = document.getElementById("upload-error");
    if (!form || !box || !err || !window.XMLHttpRequest || !window.FormData || !window.DOMParser) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var btn = busy(form);
      var sel = form.querySelector("select[name=entity]");
      var file = form.querySelector("input[type=file]");
      var bar = box.querySelector(".progress > div");
      var text = box.querySelector("p");
      var fail = function (msg) {
        idle(btn);
        box.hidden = true;
        err.textContent = msg;
        err.hidden = false;
        refreshFailed();
      };
      err.hidden = true;
      box.hidden = false;
      bar.style.width = "0%";
      if (file && file.files[0]) text.textContent = text.dataset.sent + " 0 KB / " + size(file.files[0].size) + "（0%）";
      var xhr = new XMLHttpRequest();
      var hints = (sel ? "&entity=" + encodeURIComponent(sel.value) : "") + (file && file.files[0] ? "&name=" + encodeURIComponent(file.files[0].name) : "");
      xhr.open("POST", form.action + (form.action.indexOf("?") >= 0 ? "" : "?") + hints);
      xhr.upload.onprogress = function (e) {
        var pct = e.lengthComputable && e.total ? Math.round(e.loaded * 100 / e.total) : 0;
        bar.style.width = pct + "%";
        text.textContent = text.dataset.sent + " " + size(e.loaded) + (e.lengthComputable ? " / " + size(e.total) + "（" + pct + "%）" : "");
      };
      xhr.onload = function () {
        if (xhr.status < 400 && xhr.responseURL.indexOf("/imports/jobs/") >= 0) {
          location.href = xhr.responseURL;
          return;
        }
        var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
        var m = doc.getElementById("error-message") || doc.querySelector(".msg.err");
        fail(m ? m.textContent.trim() : xhr.status + " " + xhr.statusText);
      };
      xhr.onerror = function () { fail(err.dataset.network); };
      xhr.send(new FormData(form));
    });
  });
})();
