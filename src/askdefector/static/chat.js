// The chat page: asks /api/ask, shows quotes with their citations, and opens a citation in its
// article with the quoted characters highlighted. Text from the server is only ever set as text
// (textContent, text nodes), never parsed as HTML.
"use strict";

const state = { history: [], lastCitation: null };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api(path, options) {
  const response = await fetch(path, options);
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    throw new Error(`the server answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new Error(body && body.error ? body.error : `error ${response.status}`);
  return body;
}

// ``chars`` (code points) starting at document offset ``offset`` into ``node``, the reader's answer
// span (answer_start..answer_end, document offsets) inside it in a <strong class="answer-span">.
function withAnswer(node, chars, offset, quote) {
  const a = quote.answer_start, b = quote.answer_end;
  if (a === null || a === undefined || a < offset || b > offset + chars.length) {
    node.append(document.createTextNode(chars.join("")));
    return node;
  }
  node.append(
    document.createTextNode(chars.slice(0, a - offset).join("")),
    el("strong", "answer-span", chars.slice(a - offset, b - offset).join("")),
    document.createTextNode(chars.slice(b - offset).join("")),
  );
  return node;
}

function renderAnswer(answer, container) {
  container.replaceChildren();
  if (!answer.found) {
    container.append(el("p", "declined", "The articles don't say. Closest passages (not an answer):"));
  }
  if (answer.low_confidence) container.append(el("p", "low", "Low confidence: these quotes may not answer the question."));
  if (answer.agreement) container.append(el("p", `agreement ${answer.agreement}`, answer.agreement_line));
  const list = el("ol", "quotes");
  answer.quotes.forEach((quote, i) => {
    const item = el("li");
    const block = el("blockquote");
    block.append(withAnswer(el("p", "quote-text"), Array.from(quote.text), quote.start, quote));
    const cite = el("button", "cite", `[${i + 1}] ${quote.citation}`);
    cite.type = "button";
    cite.title = "Show this quote in its article";
    cite.addEventListener("click", () => openArticle(quote, cite));
    block.append(cite);
    item.append(block);
    list.append(item);
  });
  container.append(list);
  const confidence = el("p", "confidence", `confidence ${answer.confidence.toFixed(2)}`);
  confidence.title = "The reader's estimate (0 to 1) that the first quote answers the question.";
  container.append(confidence);
  if (answer.note) container.append(el("p", "confidence", answer.note));
}

async function ask(question) {
  const turn = el("li", "turn");
  turn.append(el("p", "asked", question));
  const body = el("div", "answer");
  body.append(el("p", "pending", "Looking in the articles\u2026"));
  turn.append(body);
  document.getElementById("conversation").append(turn);
  turn.scrollIntoView({ block: "end" });
  try {
    const answer = await api("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, history: state.history.slice(-10) }),
    });
    state.history.push(question);
    renderAnswer(answer, body);
  } catch (error) {
    body.replaceChildren(el("p", "error", `Could not answer: ${error.message}`));
  }
}

function documentPath(id) {
  return "/api/documents/" + id.split("/").map(encodeURIComponent).join("/");
}

async function openArticle(quote, citeButton) {
  state.lastCitation = citeButton;
  const panel = document.getElementById("article");
  const textBox = document.getElementById("article-text");
  let doc;
  try {
    doc = await api(documentPath(quote.doc_id));
  } catch (error) {
    textBox.replaceChildren(el("p", "error", `Could not open the article: ${error.message}`));
    panel.hidden = false;
    return;
  }
  document.getElementById("article-title").textContent = doc.title;
  const meta = [doc.outlet, doc.authors.join(", "), doc.date].filter(Boolean).join(" \u00b7 ");
  document.getElementById("article-meta").textContent = meta;
  // start and end count Unicode code points (Python's str); Array.from splits the text the same way.
  const chars = Array.from(doc.text);
  const mark = withAnswer(el("mark"), chars.slice(quote.start, quote.end), quote.start, quote);
  mark.id = "highlight";
  textBox.replaceChildren(
    document.createTextNode(chars.slice(0, quote.start).join("")),
    mark,
    document.createTextNode(chars.slice(quote.end).join("")),
  );
  panel.hidden = false;
  panel.focus({ preventScroll: true });
  mark.scrollIntoView({ block: "center" });
}

function closeArticle() {
  const panel = document.getElementById("article");
  if (panel.hidden) return;
  panel.hidden = true;
  if (state.lastCitation) state.lastCitation.focus();
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
  });
  document.getElementById("new-chat").addEventListener("click", () => {
    state.history = [];
    document.getElementById("conversation").replaceChildren();
    closeArticle();
    input.focus();
  });
  document.getElementById("close-article").addEventListener("click", closeArticle);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeArticle();
  });
});
