(function () {
  "use strict";
  var form = document.getElementById("form");
  var text = document.getElementById("text");
  var title = document.getElementById("title");
  var go = document.getElementById("go");
  var status = document.getElementById("status");
  var result = document.getElementById("result");
  var drop = document.getElementById("drop");
  var file = document.getElementById("file");
  var minconf = document.getElementById("minconf");
  var tier = document.getElementById("tier");
  var tierrow = document.getElementById("tierrow");
  var isHtml = false;

  // The tier choice is shown only when this server offers both (its /v1/models says which).
  fetch("/v1/models").then(function (r) { return r.ok ? r.json() : null; }).then(function (m) {
    var tiers = m && Array.isArray(m.tiers) ? m.tiers : [];
    if (tiers.length > 1) {
      tier.value = tiers[0];
      tierrow.hidden = false;
    }
  }).catch(function () {});

  function say(msg, err) {
    status.textContent = msg;
    status.className = err ? "err" : "";
  }
  function looksHtml(s) {
    return /^\s*(<!doctype html|<html|<head|<body|<article|<div|<p[ >])/i.test(s);
  }
  function load(f) {
    if (!f) return;
    var r = new FileReader();
    r.onload = function () {
      text.value = r.result;
      isHtml = /\.html?$/i.test(f.name) || looksHtml(r.result);
      say("Loaded " + f.name + (isHtml ? " (HTML)" : "") + ".");
    };
    r.onerror = function () { say("Could not read " + f.name + ".", true); };
    r.readAsText(f);
  }
  text.addEventListener("input", function () { isHtml = looksHtml(text.value); });
  drop.addEventListener("click", function () { file.click(); });
  drop.addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); file.click(); }
  });
  file.addEventListener("change", function () { load(file.files[0]); });
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) { load(e.dataTransfer.files[0]); });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!text.value.trim()) { say("Paste an article first.", true); text.focus(); return; }
    var body = { title: title.value.trim() || null };
    body[isHtml ? "html" : "text"] = text.value;
    go.disabled = true;
    say("Analysing…");
    var c = parseFloat(minconf.value);
    var params = [];
    if (!isNaN(c)) params.push("min_confidence=" + Math.min(1, Math.max(0, c)));
    if (!tierrow.hidden) params.push("tier=" + encodeURIComponent(tier.value));
    var query = params.length ? "?" + params.join("&") : "";
    fetch("/v1/analyze" + query, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "text/html" },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.ok) return r.text();
      return r.json().then(function (j) {
        throw new Error(j && j.error ? j.error.message : "HTTP " + r.status);
      }, function () { throw new Error("HTTP " + r.status); });
    }).then(function (html) {
      result.innerHTML = html;
      say("Done. Tap or focus a highlight for its technique and confidence; the legend shows or hides each kind of mark; the claims link to their sentences.");
      var h = result.querySelector("h1");
      if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
    }).catch(function (err) {
      say("Could not analyse: " + err.message, true);
    }).finally(function () { go.disabled = false; });
  });
})();
