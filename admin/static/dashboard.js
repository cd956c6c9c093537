// The dashboard's only script: confirmations, and the "try the bot" chat. No inline script
// anywhere (the Content-Security-Policy forbids it); texts are set with textContent only.
"use strict";

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  let data = {};
  try { data = await response.json(); } catch (error) { data = {}; }
  if (!response.ok) {
    if (response.status === 401) { window.location = "/login?next=/try"; }
    throw new Error(data.error || data.detail || "Something went wrong (" + response.status + ").");
  }
  return data;
}

function setupChat(chat) {
  const log = chat.querySelector("#chat-log");
  const errorBox = chat.querySelector("#chat-error");
  const input = chat.querySelector("#chat-text");
  const language = chat.querySelector("#chat-language");
  let busy = false;

  function add(kind, text, buttons) {
    const item = document.createElement("li");
    item.className = "msg msg-" + kind;
    if (text) {
      const body = document.createElement("span");
      body.className = "text";
      body.textContent = text;
      item.appendChild(body);
    }
    if (buttons && buttons.length) {
      const row = document.createElement("span");
      row.className = "buttons";
      for (const button of buttons) {
        const key = document.createElement("button");
        key.type = "button";
        key.className = "chip chat-button";
        key.textContent = button.title;
        key.addEventListener("click", () => send(button.payload, button.title, true));
        row.appendChild(key);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function showReplies(messages) {
    if (!messages.length) { add("note", "(no answer)"); }
    for (const message of messages) {
      add("bot", message.text, message.buttons);
      if (message.image) { add("note", "[image] " + message.image); }
    }
  }

  // Each new chat gets a number: answers to an older chat that arrive late are dropped.
  let chatNumber = 0;
  let conversation = null;

  async function run(action) {
    busy = true;
    errorBox.hidden = true;
    chat.classList.add("busy");
    const mine = chatNumber;
    try {
      await action(() => mine === chatNumber);
    } catch (error) {
      if (mine === chatNumber) {
        errorBox.textContent = error.message;
        errorBox.hidden = false;
      }
    } finally {
      if (mine === chatNumber) {
        busy = false;
        chat.classList.remove("busy");
      }
    }
  }

  function start() {
    chatNumber += 1;
    log.replaceChildren();
    return run(async (current) => {
      const chosen = language.value;
      const data = await postJson("/try/start", { language: chosen });
      if (!current()) { return; }
      conversation = { sender: data.sender, language: chosen };
      showReplies(data.messages);
      input.focus();
    });
  }

  function send(text, shown, isButton) {
    if (busy || !conversation) { return; }
    return run(async (current) => {
      add("user", shown || text);
      const body = { ...conversation, text: text, button: Boolean(isButton) };
      const data = await postJson("/try/message", body);
      if (current()) { showReplies(data.messages); }
    });
  }

  chat.querySelector("#chat-start").addEventListener("submit", (event) => {
    event.preventDefault();
    start();
  });
  language.addEventListener("change", () => start());
  chat.querySelector("#chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) { return; }
    input.value = "";
    send(text);
  });
  start();
}

document.addEventListener("DOMContentLoaded", () => {
  const chat = document.getElementById("chat");
  if (chat) { setupChat(chat); }
  const transcript = document.getElementById("transcript");
  if (transcript) { transcript.scrollTop = transcript.scrollHeight; }  // latest first in view
});

// The review inbox from the keyboard: j/k move between groups, l/n/i label, new topic, ignore.
function setupReview(list) {
  const groups = Array.from(list.querySelectorAll(".review-group"));
  let current = 0;
  function select(index) {
    if (!groups.length) { return; }
    current = Math.max(0, Math.min(groups.length - 1, index));
    groups.forEach((group, i) => group.classList.toggle("current", i === current));
    groups[current].focus({ preventScroll: true });
    groups[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select");
    if (event.key === "Escape" && typing) { typing.blur(); groups[current].focus(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    const group = groups[current];
    if (event.key === "j") { select(current + 1); }
    else if (event.key === "k") { select(current - 1); }
    else if (event.key === "l" && group) {
      const input = group.querySelector(".label-input");
      if (input) { input.focus(); input.select(); }  // typing replaces the bot's guess
    }
    else if (event.key === "n" && group) { group.querySelector(".topic-input")?.focus(); }
    else if (event.key === "i" && group) { group.querySelector(".review-ignore")?.requestSubmit(); }
    else { return; }
    event.preventDefault();
  });
  groups.forEach((group, i) => group.addEventListener("focusin", () => {
    current = i;
    groups.forEach((other, j) => other.classList.toggle("current", j === i));
  }));
}

document.addEventListener("DOMContentLoaded", () => {
  const list = document.getElementById("review-groups");
  if (list) { setupReview(list); }
});
