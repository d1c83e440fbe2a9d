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

  function drawMap() {
    var el = document.getElementById("map");
    var d = data("map-data");
    if (!el || !d || !window.echarts) return;
    fetch(el.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap("sichuan", geo);
      var chart = echarts.init(el);
      var values = d.cities.map(function (c) { return { name: c.name, value: c.students, code: c.code }; });
      var max = Math.max.apply(null, values.map(function (v) { return v.value; }).concat([1]));
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + d.label + "：" + fmt(p.value || 0); } },
        visualMap: { min: 0, max: max, left: 10, bottom: 10, text: [d.high, d.low], calculable: true, inRange: { color: ["#e6eef9", "#5b8fd6", "#1f4e9c"] } },
        series: [{ type: "map", map: "sichuan", nameProperty: "name", roam: true, data: values, label: { show: true, fontSize: 10 }, emphasis: { label: { show: true } } }]
      });
      chart.on("click", function (p) {
        if (p.data && p.data.code && window.htmx) {
          htmx.ajax("GET", "/overview/region/" + p.data.code, { target: "#drill", swap: "innerHTML" });
        }
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
      chart.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 60, right: 20, top: 30, bottom: 60 },
        xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 8 ? 40 : 0 } },
        yAxis: { type: "value", name: d.unit || "" },
        series: [{ type: "bar", data: d.values, itemStyle: { color: "#2f6bc4" } }]
      });
      el.dataset.rendered = "true";
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
        series: [{ name: a.names[0], type: "bar", data: a.v4, itemStyle: { color: function (p) { return p.value >= 99 ? "#1e8449" : p.value >= 90 ? "#b9770e" : "#c0392b"; } } }]
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
})();
