// Draws the report's charts from the configs the server embedded. Runs offline: Chart.js is
// inlined before this script. Function-valued options (number formats) are added here, by hint.
(() => {
  const { Chart } = window;
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const locale = "en";
  const formats = {
    count: (v) => Math.round(v).toLocaleString(locale),
    ms: (v) => (Math.abs(v) < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`),
    money: (v) =>
      v.toLocaleString(locale, {
        style: "currency",
        currency: data.currency || "EUR",
        maximumFractionDigits: 0,
      }),
    ratio: (v) => Number(v).toFixed(3),
    percent: (v) => `${(v * 100).toFixed(0)} %`,
  };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#57606a";
  Chart.defaults.borderColor = "#e6e9ee";
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 12;

  const span = (raw) => (Array.isArray(raw) ? raw[1] - raw[0] : raw);

  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const spec = data.charts[canvas.dataset.chart];
    if (!spec) continue;
    const config = spec.config;
    const format = formats[spec.format] || formats.count;
    const valueAxis = config.options?.indexAxis === "y" ? "x" : "y";
    config.options = config.options || {};
    config.options.scales = config.options.scales || {};
    const axis = config.options.scales[valueAxis];
    if (axis && config.type !== "doughnut") {
      axis.ticks = { ...(axis.ticks || {}), callback: (v) => format(v) };
    }
    if (spec.format2 && config.options.scales.y2) {
      const second = formats[spec.format2];
      config.options.scales.y2.ticks = { callback: (v) => second(v) };
    }
    config.options.plugins = config.options.plugins || {};
    config.options.plugins.tooltip = {
      callbacks: {
        label: (item) => {
          const fmt = item.dataset.yAxisID === "y2" && spec.format2 ? formats[spec.format2] : format;
          const raw = item.raw;
          const text = Array.isArray(raw)
            ? `${format(raw[0])} → ${format(raw[1])} (${formats.ms(span(raw))})`
            : fmt(raw);
          return `${item.dataset.label || item.label}: ${text}`;
        },
      },
    };
    new Chart(canvas, config);
  }

  // Lineage drawings: fitted to the page by default, full size (scrollable) on demand.
  const zoom = document.querySelector("[data-dag-zoom]");
  if (zoom) {
    zoom.addEventListener("click", () => {
      const wraps = document.querySelectorAll(".dag-wrap");
      const fitted = wraps[0]?.classList.contains("fit");
      for (const wrap of wraps) wrap.classList.toggle("fit", !fitted);
      zoom.textContent = fitted ? "Fit to the page" : "Show at full size";
    });
  }

  // Catalog filter: hides tables and columns that do not match what is typed.
  const filter = document.getElementById("catalog-filter");
  if (filter) {
    filter.addEventListener("input", () => {
      const q = filter.value.trim().toLowerCase();
      for (const table of document.querySelectorAll("[data-catalog-table]")) {
        const text = table.textContent.toLowerCase();
        table.hidden = q !== "" && !text.includes(q);
        if (q !== "" && !table.hidden) table.open = true;
      }
    });
  }
})();
