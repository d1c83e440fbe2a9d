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

  document.addEventListener("DOMContentLoaded", function () {
    drawMap();
    drawBars();
    drawPoints();
    drawGauges();
    drawSiteCharts();
  });
  document.addEventListener("htmx:afterSwap", drawBars);

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
