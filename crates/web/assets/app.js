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
      var values = d.cities.map(function (c) { return { name: c.name, value: c.students, code: c.code }; });
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + d.label + "：" + fmt(p.value || 0); } },
        visualMap: { type: "piecewise", show: !d.focus, left: 10, bottom: 10, pieces: quantilePieces(values.map(function (v) { return v.value; })) },
        series: [{
          type: "map", map: name, nameProperty: "name", roam: true, data: values,
          // White text with a dark halo reads on the palest and the darkest fill alike.
          label: { show: true, fontSize: 11, color: "#fff", textBorderColor: "#1b2b45", textBorderWidth: 2 },
          emphasis: { label: { show: true, color: "#fff" }, itemStyle: { areaColor: "#e0a526" } }
        }]
      });
      chart.on("click", function (p) {
        if (p.data && p.data.code && !d.focus) location.href = "/overview/region/" + p.data.code;
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

  document.addEventListener("DOMContentLoaded", function () {
    drawMap();
    drawBars();
    drawPoints();
    drawGauges();
    drawSiteCharts();
  });
  document.addEventListener("htmx:afterSwap", drawBars);
})();
