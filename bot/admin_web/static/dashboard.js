// Draws the dashboard's charts from the figures the page carries as JSON (no inline
// script: the Content-Security-Policy allows scripts from /static only).
(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("cijfers").textContent);
  var colours = {
    blue: "#1f5fa8", green: "#2e7d32", orange: "#c75b00", red: "#b3261e",
    grey: "#7a7a7a", purple: "#6a3d9a", teal: "#00796b"
  };
  Chart.defaults.font.family = "system-ui, sans-serif";
  Chart.defaults.font.size = 13;
  Chart.defaults.animation = false;  // steady for screenshots and slow machines
  Chart.defaults.maintainAspectRatio = false;

  function dayLabel(iso) {
    var parts = iso.split("-");
    return parseInt(parts[2], 10) + "-" + parseInt(parts[1], 10);
  }
  var days = figures.days.map(dayLabel);
  var wholeNumbers = { y: { beginAtZero: true, ticks: { precision: 0 } } };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }

  draw("grafiek-per-dag", {
    type: "bar",
    data: {
      labels: days,
      datasets: [
        { type: "bar", label: "Gesprekken", data: figures.conversations_per_day,
          backgroundColor: colours.blue, yAxisID: "y" },
        { type: "line", label: "Berichten van cliënten", data: figures.messages_per_day,
          borderColor: colours.orange, backgroundColor: colours.orange, yAxisID: "y1",
          tension: 0.2 }
      ]
    },
    options: {
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "gesprekken" } },
        y1: { beginAtZero: true, position: "right", ticks: { precision: 0 },
              grid: { drawOnChartArea: false }, title: { display: true, text: "berichten" } }
      }
    }
  });

  var o = figures.outcomes;
  draw("grafiek-afloop", {
    type: "doughnut",
    data: {
      labels: ["Direct geholpen", "Na verduidelijking", "Uitgevallen na niet begrepen",
               "Uitgevallen in vragenlijst", "Nog bezig"],
      datasets: [{ data: [o.direct, o.clarified, o.dropped_fallback, o.dropped_form, o.ongoing],
                   backgroundColor: [colours.green, colours.teal, colours.red, colours.orange,
                                     colours.grey] }]
    },
    options: { plugins: { legend: { position: "bottom" } } }
  });

  draw("grafiek-niet-begrepen", {
    type: "bar",
    data: { labels: days, datasets: [{ label: "Niet begrepen", data: figures.fallbacks_per_day,
                                       backgroundColor: colours.red }] },
    options: { scales: wholeNumbers, plugins: { legend: { display: false } } }
  });

  draw("grafiek-onderwerpen", {
    type: "bar",
    data: {
      labels: figures.topics.map(function (t) { return t.label; }),
      datasets: [{ label: "Vragen", data: figures.topics.map(function (t) { return t.count; }),
                   backgroundColor: colours.blue }]
    },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
               plugins: { legend: { display: false } } }
  });

  draw("grafiek-overdrachten", {
    type: "bar",
    data: { labels: days, datasets: [{ label: "Overdrachten", data: figures.handovers_per_day,
                                       backgroundColor: colours.purple }] },
    options: { scales: wholeNumbers, plugins: { legend: { display: false } } }
  });

  var purposeLabels = { notes: "Notities", reminders: "Herinneringen",
                        sharing: "Delen met Steunpunt", review: "Onbegrepen berichten" };
  var purposes = Object.keys(figures.consents);
  draw("grafiek-toestemming", {
    type: "bar",
    data: {
      labels: purposes.map(function (p) { return purposeLabels[p] || p; }),
      datasets: [
        { label: "ja", data: purposes.map(function (p) { return figures.consents[p].granted; }),
          backgroundColor: colours.green },
        { label: "nee", data: purposes.map(function (p) { return figures.consents[p].refused; }),
          backgroundColor: colours.red },
        { label: "niet gevraagd", data: purposes.map(function (p) { return figures.consents[p].not_asked; }),
          backgroundColor: "#c9c9c9" }
      ]
    },
    options: { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
                                         y: { stacked: true } },
               plugins: { legend: { position: "bottom" } } }
  });

  var languageNames = { nl: "Nederlands", en: "Engels", ar: "Arabisch", tr: "Turks", pl: "Pools",
                        uk: "Oekraïens" };
  draw("grafiek-talen", {
    type: "doughnut",
    data: {
      labels: figures.languages.map(function (l) { return languageNames[l[0]] || l[0]; }),
      datasets: [{ data: figures.languages.map(function (l) { return l[1]; }),
                   backgroundColor: [colours.blue, colours.orange, colours.green, colours.purple,
                                     colours.teal, colours.red, colours.grey] }]
    },
    options: { plugins: { legend: { position: "bottom" } } }
  });
  document.body.setAttribute("data-grafieken", "klaar");
})();
