/* The rating page (/rate): the post's exercise in the browser.

   It reads the data the build writes (build/rating/reference.json, served at /rating/) and
   sends nothing anywhere. The statistics mirror scripts/pipeline/aggregates.py, so the page
   shows what the package will publish for the same scores (tests/test_rate_page.py checks it):

   - a set's "place" for a theory is its rank among the set's own scores, 1 = its highest
     score, tied scores sharing the average place (places_within_sets); the group's places
     are its ranks;
   - the consensus place of a theory for a new set is the mean place over every set already
     in the package (consensus_of_others), the exact sum / count the reference gives;
   - Spearman's rho is Pearson's r of the ranks over the theories both sides have (tied values
     share the average rank), only with at least MIN_SHARED theories and never when one side
     gives them all the same rank (spearman_by_row); it is shown rounded as the package
     stores it (DECIMALS places, halves to even, as Python's round);
   - where you differ most: the MOST_DIFFERENT theories whose ranks over the shared theories
     differ most, largest first, then by theory number (differences);
   - where a score falls: how many of the other sets' scores for the theory are lower, the
     same and higher.

   The download is the contributed file exactly as scripts/ratings/contributed.format_set
   writes it, named as new_set_id names it. */
(function () {
  "use strict";

  const STORE = "longlist-rate-v1";
  const root = document.getElementById("rate");
  if (!root) return;
  const form = root.querySelector(".rate-form");
  const statusLine = root.querySelector(".rate-status");
  const list = root.querySelector(".rate-theories");
  const compareSection = root.querySelector(".rate-compare");
  const compareBody = root.querySelector(".rate-compare-body");
  const downloadSection = root.querySelector(".rate-download");
  const bar = root.querySelector(".rate-bar");
  const fields = {
    label: root.querySelector("#rate-label"),
    date: root.querySelector("#rate-date"),
    note: root.querySelector("#rate-note"),
  };
  let reference = null;
  const inputs = []; // one per theory, in list order

  // ---- statistics (scripts/pipeline/aggregates.py) ------------------------------------

  /* scipy.stats.rankdata: 1 = the smallest value, tied values share the average rank. */
  function rankdata(values) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
    const ranks = new Array(values.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j += 1;
      for (let k = i; k <= j; k += 1) ranks[order[k]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return ranks;
  }

  /* Each scored theory's place among the set's own scores (null where not scored). */
  function placesOf(scores) {
    const scored = scores.map((s, j) => (s === null ? -1 : j)).filter((j) => j >= 0);
    const ranks = rankdata(scored.map((j) => -scores[j]));
    const places = scores.map(() => null);
    scored.forEach((j, k) => { places[j] = ranks[k]; });
    return places;
  }

  /* Pearson's r as scipy.stats.pearsonr computes it; null for a constant input. */
  function pearson(x, y) {
    const constant = (v) => v.every((value) => value === v[0]);
    if (constant(x) || constant(y)) return null;
    const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
    const mx = mean(x), my = mean(y);
    const xm = x.map((v) => v - mx), ym = y.map((v) => v - my);
    const norm = (v) => {
      const largest = Math.max(...v.map(Math.abs));
      return largest * Math.sqrt(v.reduce((a, b) => a + (b / largest) * (b / largest), 0));
    };
    const nx = norm(xm), ny = norm(ym);
    const r = xm.reduce((sum, v, k) => sum + (v / nx) * (ym[k] / ny), 0);
    return Math.min(1, Math.max(-1, r));
  }

  /* {shared, rho, differences} of my places against reference places (arrays by theory). */
  function compareWith(mine, theirs) {
    const stats = reference.statistics;
    const shared = mine.map((v, j) => (v !== null && theirs[j] !== null ? j : -1)).filter((j) => j >= 0);
    const result = { shared: shared.length, rho: null, differences: [] };
    if (shared.length < stats.min_shared) return result;
    const ours = rankdata(shared.map((j) => mine[j]));
    const others = rankdata(shared.map((j) => theirs[j]));
    result.rho = pearson(ours, others);
    const tied = (ranks, k) => ranks.filter((r) => r === ranks[k]).length;
    result.differences = shared
      .map((j, k) => ({
        theory: reference.theories[j],
        rank: ours[k],
        referenceRank: others[k],
        tie: tied(ours, k),
        referenceTie: tied(others, k),
        gap: ours[k] - others[k],
      }))
      .filter((d) => d.gap !== 0)
      .sort((a, b) => Math.abs(b.gap) - Math.abs(a.gap) || a.theory.number - b.theory.number)
      .slice(0, stats.most_different);
    return result;
  }

  /* A statistic as the package stores it: Python's round(x, decimals), shown with that many decimals. */
  function formatStatistic(x) {
    const d = reference.statistics.decimals;
    let text;
    const t = x * 2 ** (d + 1);
    if (Number.isInteger(t) && Math.abs(t) % 2 === 1) {
      // x lies exactly half way between two numbers of d decimals: Python rounds it to the even one
      let q = Math.floor((t * 5 ** d) / 2);
      if (q % 2 !== 0) q += 1;
      text = (q / 10 ** d).toFixed(d);
    } else {
      text = x.toFixed(d);
    }
    return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
  }

  function compareAll(scores) {
    const mine = placesOf(scores);
    const group = compareWith(mine, reference.theories.map((t) => t.group_place));
    const consensus = compareWith(mine, reference.theories.map((t) => (t.places_count > 0 ? t.places_sum / t.places_count : null)));
    return { group, consensus };
  }

  function positionOf(theory, score) {
    const tally = { lower: 0, same: 0, higher: 0 };
    for (const [value, count] of theory.scores) {
      if (value < score) tally.lower += count;
      else if (value === score) tally.same += count;
      else tally.higher += count;
    }
    return tally;
  }

  // ---- scores as typed ------------------------------------------------------------------

  /* A score from what was typed: {score} (null = skipped) or {problem}. */
  function readScore(text) {
    const typed = text.trim();
    if (typed === "") return { score: null };
    const rules = reference.contributed;
    if (!/^(\d+([.,]\d*)?|[.,]\d+)$/.test(typed)) {
      return { problem: `"${typed}" is not a score: type a number from ${rules.score_min} to ${rules.score_max}, or leave it empty to skip` };
    }
    const score = Number(typed.replace(",", "."));
    if (score < rules.score_min || score > rules.score_max) {
      return { problem: `${typed} is out of range: a score is from ${rules.score_min} to ${rules.score_max}` };
    }
    if (!Number.isInteger(score * 2)) return { problem: `${typed}: use whole or half points, such as 7 or 7.5` };
    return { score };
  }

  function currentScores() {
    return inputs.map((input) => {
      const read = readScore(input.value);
      return read.problem ? null : read.score;
    });
  }

  // ---- the contributed file (scripts/ratings/contributed.py) -------------------------------

  /* What a text field holds in the file: spaces collapsed, as the build strips them. */
  function tidy(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  function textProblem(text, what) {
    if (/^[=+\-@]/.test(text)) return `${what} starts with "${text[0]}", which spreadsheets run as a formula; start it with a letter or digit`;
    return null;
  }

  function slug(text) {
    return text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  }

  /* contributed.new_set_id: `<name>-<date>`, with -2, -3... if the package has it already. */
  function newSetId(label, date) {
    const taken = new Set(reference.contributed.taken_ids);
    const base = [slug(label) || "rater", date || ""].filter((part) => part).join("-");
    let candidate = base;
    for (let n = 2; taken.has(candidate) || candidate === reference.group.id; n += 1) candidate = `${base}-${n}`;
    return candidate;
  }

  function csvCell(value) {
    return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  }

  function formatScore(score) {
    return String(score);
  }

  /* contributed.format_set: the header, the set's fields, then the scores by theory number. */
  function contributedFile(set) {
    const rows = [reference.contributed.header];
    for (const key of reference.contributed.fields) {
      if (set[key]) rows.push([key, set[key]]);
    }
    reference.theories.forEach((theory, j) => {
      if (set.scores[j] !== null) rows.push([`theory ${theory.number}`, formatScore(set.scores[j])]);
    });
    return rows.map((row) => row.map(csvCell).join(",") + "\n").join("");
  }

  // ---- the page ------------------------------------------------------------------------

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined) continue;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function ordinal(rank) {
    const tens = rank % 100, units = rank % 10;
    const suffix = tens >= 10 && tens <= 20 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[units] || "th";
    return `${rank}${suffix}`;
  }

  /* A place as a person says it: "5th", or for a tie (which shares the average rank, 5.5 for
     5th and 6th) "joint 5th (with 1 other)". */
  function placeWords(rank, tie) {
    if (!tie || tie < 2) return ordinal(rank);
    const first = Math.round(rank - (tie - 1) / 2);
    return `joint ${ordinal(first)} (with ${plural(tie - 1, "other", "others")})`;
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many}`;
  }

  function theoryItem(theory, index) {
    const id = `score-${theory.number}`;
    const input = element("input", {
      id,
      class: "rate-score",
      type: "text",
      inputmode: "decimal",
      maxlength: "5",
      "data-theory": String(theory.number),
      "aria-describedby": `problem-${theory.number} position-${theory.number}`,
    });
    inputs[index] = input;
    const points = theory.points.length
      ? element("ul", { class: "rate-points" }, ...theory.points.map((p) => element("li", { text: p.text })))
      : "";
    return element(
      "li",
      { class: "rate-theory", id: `theory-${theory.number}` },
      element(
        "h2",
        {},
        element("span", { class: "rate-number", text: `${theory.number}.` }),
        " ",
        element("a", { href: root.dataset.theoryUrl + theory.number, text: theory.title }),
      ),
      element("p", { class: "rate-description", text: theory.description }),
      points,
      element(
        "p",
        { class: "rate-score-line" },
        element("label", { for: id, text: `Your score for theory ${theory.number} (0–10):` }),
        " ",
        input,
        " ",
        element("span", { class: "rate-state", id: `state-${theory.number}` }),
      ),
      element("p", { class: "rate-problem", id: `problem-${theory.number}`, role: "alert" }),
      element("p", { class: "rate-position", id: `position-${theory.number}` }),
    );
  }

  function rhoSentence(part, who) {
    const stats = reference.statistics;
    const sentence = element("p", { class: `rate-rho rate-rho-${who}` });
    if (part.rho !== null) {
      sentence.append(element("strong", { class: "rate-rho-value", "data-rho": formatStatistic(part.rho), text: `ρ = ${formatStatistic(part.rho)}` }));
      sentence.append(` over the ${plural(part.shared, "theory", "theories")} you both rated.`);
    } else if (part.shared < stats.min_shared) {
      sentence.append(element("strong", { class: "rate-rho-value", "data-rho": "", text: "no ρ yet" }));
      sentence.append(`: ${plural(part.shared, "theory", "theories")} in common so far; it needs at least ${stats.min_shared}.`);
    } else {
      sentence.append(element("strong", { class: "rate-rho-value", "data-rho": "", text: "no ρ" }));
      sentence.append(`: over the ${plural(part.shared, "theory", "theories")} in common, one side gives them all the same place.`);
    }
    sentence.dataset.shared = String(part.shared);
    return sentence;
  }

  function differenceList(part, who, name) {
    if (!part.differences.length) return "";
    const items = part.differences.map((d) =>
      element(
        "li",
        { "data-theory": String(d.theory.number), "data-rank": String(d.rank), "data-reference-rank": String(d.referenceRank) },
        element("a", { href: `#theory-${d.theory.number}`, text: `${d.theory.number}. ${d.theory.title}` }),
        `: you place it ${placeWords(d.rank, d.tie)}, ${name} ${placeWords(d.referenceRank, d.referenceTie)} (you rank it ${d.rank < d.referenceRank ? "higher" : "lower"})`,
      ),
    );
    return element(
      "div",
      { class: `rate-differences rate-differences-${who}` },
      element("h3", { text: `Where you differ most from ${name}` }),
      element("p", { text: `Places among the ${plural(part.shared, "theory", "theories")} you both rated (1st = placed highest; theories given the same score share a place).` }),
      element("ol", {}, ...items),
    );
  }

  /* How far the reader has got: nothing is "skipped" before they have left a box empty. */
  function countSentence(scored) {
    const skipped = inputs.filter((input) => input.dataset.touched && !input.value.trim()).length;
    if (!scored && !skipped) return `You have not scored a theory yet: give any of the ${reference.theories.length} a score and the comparison starts.`;
    let sentence = `You have scored ${plural(scored, "theory", "theories")} of ${reference.theories.length}`;
    if (skipped) sentence += ` and skipped ${skipped}`;
    return `${sentence}.`;
  }

  function showComparison(scores) {
    const scored = scores.filter((s) => s !== null).length;
    const result = compareAll(scores);
    const others = reference.sets;
    const groupLabel = reference.group.label;
    compareBody.replaceChildren(
      element("p", { class: "rate-count", text: countSentence(scored) }),
      element("h3", { text: `Spearman's ρ with ${groupLabel.replace(/^The /, "the ")} (its rank order)` }),
      rhoSentence(result.group, "group"),
      element("h3", { text: `Spearman's ρ with the consensus of every other rating set` }),
      element("p", {
        class: "rate-consensus-what",
        text:
          others === 1
            ? `There is ${plural(others, "other rating set", "other rating sets")} so far, the group's, so the consensus is its order.`
            : `The consensus places each theory at its mean place over the ${others} rating sets in the dataset.`,
      }),
      rhoSentence(result.consensus, "consensus"),
      differenceList(result.group, "group", "the group"),
      differenceList(result.consensus, "consensus", "the consensus"),
    );
    const short = (part) => (part.rho === null ? "–" : formatStatistic(part.rho));
    bar.querySelector(".rate-bar-text").textContent = `${scored} scored · ρ with the group ${short(result.group)} · with the consensus ${short(result.consensus)}`;
    reference.theories.forEach((theory, j) => {
      const line = root.querySelector(`#position-${theory.number}`);
      const score = scores[j];
      const total = theory.scores.reduce((sum, [, count]) => sum + count, 0);
      const skipped = score === null && !inputs[j].value.trim() && inputs[j].dataset.touched;
      root.querySelector(`#state-${theory.number}`).textContent = skipped ? "skipped" : "";
      if (score === null) {
        line.textContent = "";
        for (const key of ["lower", "same", "higher"]) delete line.dataset[key];
        return;
      }
      const p = positionOf(theory, score);
      Object.assign(line.dataset, { lower: String(p.lower), same: String(p.same), higher: String(p.higher) });
      if (!total) {
        line.textContent = "No one else has scored this theory yet.";
      } else {
        line.textContent = `Among the ${plural(total, "other score", "other scores")} for this theory, ${p.lower} ${p.lower === 1 ? "is" : "are"} lower, ${p.same} the same and ${p.higher} higher than yours.`;
      }
    });
  }

  function checkScore(input) {
    const read = readScore(input.value);
    const problem = root.querySelector(`#problem-${input.dataset.theory}`);
    problem.textContent = read.problem || "";
    input.setAttribute("aria-invalid", read.problem ? "true" : "false");
    return read;
  }

  function checkFields() {
    const problems = {};
    const label = tidy(fields.label.value);
    if (!label) problems.label = "Type your name: it is published with your ratings.";
    else problems.label = textProblem(label, "The name");
    problems.note = textProblem(tidy(fields.note.value), "The note");
    const date = fields.date.value;
    problems.date = date && !/^\d{4}-\d{2}-\d{2}$/.test(date) ? "Give the date as YYYY-MM-DD, or leave it empty." : null;
    for (const [name, problem] of Object.entries(problems)) {
      root.querySelector(`#rate-${name}-problem`).textContent = problem && (name !== "label" || fields.label.dataset.touched) ? problem : "";
      fields[name].setAttribute("aria-invalid", problem ? "true" : "false");
    }
    return problems;
  }

  function save() {
    const stored = { label: fields.label.value, date: fields.date.value, note: fields.note.value, scores: {} };
    reference.theories.forEach((theory, j) => {
      if (inputs[j].value.trim()) stored.scores[theory.number] = inputs[j].value.trim();
    });
    try {
      localStorage.setItem(STORE, JSON.stringify(stored));
    } catch (error) {
      // storage may be off (private windows): the page still works, a reload just forgets
    }
  }

  function restore() {
    let stored = null;
    try {
      stored = JSON.parse(localStorage.getItem(STORE) || "null");
    } catch (error) {
      stored = null;
    }
    const today = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    fields.date.value = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
    fields.note.value = "Rated on the dataset site's rating page.";
    if (!stored || typeof stored !== "object") return;
    for (const name of ["label", "date", "note"]) {
      if (typeof stored[name] === "string") fields[name].value = stored[name];
    }
    reference.theories.forEach((theory, j) => {
      const value = stored.scores && stored.scores[theory.number];
      if (typeof value === "string") inputs[j].value = value;
    });
  }

  function update() {
    inputs.forEach(checkScore);
    checkFields();
    showComparison(currentScores());
    updateDownloadName();
    save();
  }

  function updateDownloadName() {
    const label = tidy(fields.label.value);
    root.querySelector(".rate-download-name").textContent = label ? `as ${newSetId(label, fields.date.value)}.csv` : "";
  }

  function download() {
    fields.label.dataset.touched = "1";
    const problems = checkFields();
    const scores = currentScores();
    const bad = inputs.filter((input) => readScore(input.value).problem);
    const problem = root.querySelector(".rate-download-problem");
    const first = Object.entries(problems).find(([, p]) => p);
    if (first) {
      problem.textContent = `Not yet: ${first[1]}`;
      fields[first[0]].focus();
      return;
    }
    if (bad.length) {
      problem.textContent = `Not yet: ${plural(bad.length, "score needs", "scores need")} fixing (theory ${bad.map((i) => i.dataset.theory).join(", ")}).`;
      bad[0].focus();
      return;
    }
    if (!scores.some((s) => s !== null)) {
      problem.textContent = "Not yet: score at least one theory.";
      inputs[0].focus();
      return;
    }
    problem.textContent = "";
    const set = { label: tidy(fields.label.value), kind: reference.contributed.kind, date: fields.date.value, note: tidy(fields.note.value), scores };
    const name = `${newSetId(set.label, set.date)}.csv`;
    const url = URL.createObjectURL(new Blob([contributedFile(set)], { type: "text/csv;charset=utf-8" }));
    const link = element("a", { href: url, download: name, hidden: "" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  /* The comparison bar sticks to the bottom of the window: a box that gets the focus (Enter,
     Tab or a click) is scrolled, if need be, to sit wholly above it. */
  function keepAboveBar(target) {
    if (!target.matches || !target.matches("input, button, a, select, textarea") || bar.hidden) return;
    const margin = 12;
    const barTop = bar.getBoundingClientRect().top;
    const box = target.getBoundingClientRect();
    if (box.bottom + margin > barTop) window.scrollBy(0, box.bottom + margin - barTop);
    else if (box.top < margin) window.scrollBy(0, box.top - margin);
  }

  function step(input, by) {
    const read = readScore(input.value);
    const rules = reference.contributed;
    const from = read.problem ? null : read.score;
    const next = from === null ? (by > 0 ? rules.score_min : rules.score_max) : Math.min(rules.score_max, Math.max(rules.score_min, from + by));
    input.value = formatScore(next);
  }

  function onKey(event) {
    const input = event.target;
    const index = inputs.indexOf(input);
    if (index < 0) return;
    if (event.key === "Enter") {
      event.preventDefault();
      input.dataset.touched = "1"; // passed over: left empty, it is skipped
      update();
      const next = inputs[index + 1] || root.querySelector(".rate-download-button");
      next.focus({ preventScroll: true });
      keepAboveBar(next);
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.preventDefault();
      step(input, event.key === "ArrowUp" ? 0.5 : -0.5);
      update();
    } else if (event.key === "Escape") {
      input.dataset.touched = "1";
      input.value = "";
      update();
    }
  }

  function start(data) {
    reference = data;
    list.replaceChildren(...reference.theories.map(theoryItem));
    for (const folder of root.querySelectorAll(".rate-folder")) folder.textContent = `${reference.contributed.folder}/`;
    restore();
    form.addEventListener("input", (event) => {
      if (event.target.classList.contains("rate-score")) event.target.dataset.touched = "1";
      update();
    });
    // after the browser's own scrolling to the focused element, which does not know of the bar
    form.addEventListener("focusin", (event) => requestAnimationFrame(() => keepAboveBar(event.target)));
    form.addEventListener("keydown", onKey);
    form.addEventListener("submit", (event) => event.preventDefault());
    fields.label.addEventListener("blur", () => {
      fields.label.dataset.touched = "1";
      checkFields();
    });
    root.querySelector(".rate-download-button").addEventListener("click", download);
    form.hidden = false;
    compareSection.hidden = false;
    downloadSection.hidden = false;
    bar.hidden = false;
    statusLine.textContent = `The ${reference.theories.length} theories, in the post's order.`;
    update();
    root.dataset.ready = "true";
  }

  fetch(root.dataset.reference)
    .then((response) => {
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      return response.json();
    })
    .then(start)
    .catch((error) => {
      statusLine.textContent = `The theories could not be loaded (${error.message}). Reload the page, or run make rate in a clone of the repository.`;
      statusLine.classList.add("rate-error");
    });
})();
