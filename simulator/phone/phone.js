/*
 * The simulator's softphone: a browser phone on the ACS simulator's control API. One script for
 * two hosts: the standalone page the simulator serves (`{control base}/phone`) and the Node-RED
 * editor's "phone" sidebar tab (plugin acs-softphone), which load this same file.
 *
 *   AcsSoftphone.mount(element, { api, t, storage, onIncoming }) → { destroy() }
 *
 * - api(method, path, body, signal) → Promise of the JSON reply; path is relative to the control
 *   API's base ("calls", "changes?since=…"); a refusal rejects with { status, code, message }.
 * - t(key, substitutions) → the text of "acs-softphone.phone.<key>" in the host's language.
 * - storage: a Storage (localStorage) for recent numbers, or nothing.
 * - onIncoming(call): a call from the flow starts ringing here.
 *
 * It long-polls `GET changes` (one request open at a time, 25 s each) and reads a call in full
 * (`GET calls/{id}`) only when the call on screen changed. It shows numbers, prompts (text, the
 * text of SSML, the file name of audio: never a URL's query), keys and speech: no URLs, keys or
 * tokens.
 */
(function () {
  "use strict";

  const WAIT_SECONDS = 25;
  const ENDED_KEPT = 8;
  const RECENT_KEPT = 8;
  const DEFAULT_TO = "+18005550100";
  const DEFAULT_FROM = "+14255550123";
  const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];
  const EXTRA_KEYS = ["A", "B", "C", "D"];
  const TONE_KEYS = {
    zero: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9",
    pound: "#", asterisk: "*", a: "A", b: "B", c: "C", d: "D",
  };
  const END_REASONS = {
    "hung up": "hungUp",
    "caller hung up": "callerHungUp",
    "ended by the application": "byApp",
    "call ended": "callEnded",
    "not answered": "notAnswered",
    declined: "declined",
    busy: "busy",
    canceled: "canceled",
    transferred: "transferred",
    "removed by the application": "removed",
    "call failed": "failed",
  };
  const scriptUrl = document.currentScript ? document.currentScript.src : "";
  let instances = 0;

  /** An element with attributes (`text` sets its text, `on*` functions become listeners) and children. */
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  /** The phone's style sheet, once per page, from beside this script. */
  function ensureStyles() {
    if (!scriptUrl || document.querySelector("link[data-acs-softphone-styles]")) return;
    const href = scriptUrl.replace(/phone\.js(\?.*)?$/, "phone.css");
    document.head.append(h("link", { rel: "stylesheet", href, "data-acs-softphone-styles": true }));
  }

  /** "4:+14255550123" → "+14255550123"; other identifiers as they are. */
  function shownNumber(rawId) {
    return typeof rawId === "string" ? rawId.replace(/^4:/, "") : "";
  }

  /** The words of an SSML document. */
  function ssmlText(ssml) {
    try {
      const doc = new DOMParser().parseFromString(ssml, "application/xml");
      if (!doc.querySelector("parsererror")) return doc.documentElement.textContent.replace(/\s+/g, " ").trim();
    } catch {
      // not XML: fall through to the tag-stripping reading
    }
    return ssml.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  }

  /** The file name of an audio URL (never its query, which may hold a token). */
  function fileName(url) {
    let path = url;
    try {
      path = new URL(url).pathname;
    } catch {
      path = String(url).split(/[?#]/)[0];
    }
    const last = path.split("/").filter(Boolean).pop() || path;
    try {
      return decodeURIComponent(last);
    } catch {
      return last;
    }
  }

  function promptText(prompt) {
    if (prompt.kind === "ssml") return ssmlText(prompt.content);
    if (prompt.kind === "file") return fileName(prompt.content);
    return prompt.content;
  }

  function mount(root, options) {
    const api = options.api;
    const t = options.t;
    const storage = options.storage || null;
    const onIncoming = options.onIncoming || function () {};
    const prefix = `acs-softphone-${++instances}`;
    const calls = new Map();
    let cursor = null;
    let selectedId = null;
    let detail = null;
    let detailLoading = null;
    let detailAgain = false;
    let stopped = false;
    let watchAbort = null;
    let sending = Promise.resolve();
    let moreKeys = false;

    // ------------------------------------------------------------------ the page

    const notice = h("div", { class: "acs-sp-notice", "data-testid": "softphone-notice", role: "alert", hidden: true });
    const fromInput = h("input", { id: `${prefix}-from`, "data-testid": "from", type: "tel", autocomplete: "off", list: `${prefix}-recent`, title: t("fromHint") });
    const toInput = h("input", { id: `${prefix}-to`, "data-testid": "to", type: "tel", autocomplete: "off", list: `${prefix}-recent`, title: t("toHint") });
    const recentList = h("datalist", { id: `${prefix}-recent`, "data-testid": "recent-numbers", "aria-label": t("recent") });
    const dialButton = h("button", { type: "submit", class: "acs-sp-button acs-sp-primary", "data-testid": "dial", id: `${prefix}-dial`, text: t("dial") });
    const dialForm = h(
      "form",
      { class: "acs-sp-dial", "data-testid": "dial-form", onsubmit: (e) => { e.preventDefault(); void dial(); } },
      h("label", { for: fromInput.id, text: t("from") }),
      fromInput,
      h("label", { for: toInput.id, text: t("to") }),
      toInput,
      recentList,
      dialButton,
    );

    const callList = h("ul", { class: "acs-sp-calls", "data-testid": "call-list", "aria-labelledby": `${prefix}-calls-title` });
    const noCalls = h("p", { class: "acs-sp-empty", "data-testid": "no-calls", text: t("noCalls") });

    const peer = h("span", { class: "acs-sp-peer", "data-testid": "call-peer" });
    const stateLabel = h("span", { class: "acs-sp-state", "data-testid": "call-state" });
    const answerButton = h("button", { type: "button", class: "acs-sp-button acs-sp-go", "data-testid": "answer", text: t("answer"), onclick: () => act("answer") });
    const declineButton = h("button", { type: "button", class: "acs-sp-button acs-sp-stop", "data-testid": "decline", text: t("decline"), onclick: () => act("reject", { reason: "declined" }) });
    const busyButton = h("button", { type: "button", class: "acs-sp-button", "data-testid": "busy", text: t("busy"), title: t("busyTitle"), onclick: () => act("reject", { reason: "busy" }) });
    const hangupButton = h("button", { type: "button", class: "acs-sp-button acs-sp-stop", "data-testid": "hangup", text: t("hangup"), onclick: () => act("hangup") });
    const promptList = h("ol", { class: "acs-sp-heard", "data-testid": "prompt-list", "aria-labelledby": `${prefix}-heard-title` });
    // Screen readers hear what changes (a new prompt, the call's state), not the whole list again.
    const announcer = h("p", { class: "acs-sp-visually-hidden", "data-testid": "announcer", "aria-live": "polite" });
    let announced = { id: null, heard: 0, state: "" };
    let heardShown = "";
    const listening = h("p", { class: "acs-sp-listening", "data-testid": "listening" });

    const keyButtons = new Map();
    const keyName = (key) => (key === "*" ? "star" : key === "#" ? "pound" : key);
    const keyButton = (key) => {
      const label = key === "*" ? t("key.star") : key === "#" ? t("key.pound") : undefined;
      const button = h("button", { type: "button", class: "acs-sp-key", "data-testid": `key-${keyName(key)}`, "data-key": key, "aria-label": label, text: key, onclick: () => press(key) });
      keyButtons.set(key, button);
      return button;
    };
    const keypad = h(
      "div",
      {
        class: "acs-sp-keypad",
        "data-testid": "keypad",
        role: "group",
        tabindex: "0",
        "aria-label": t("keypad"),
        "aria-describedby": `${prefix}-keypad-hint`,
        onkeydown: (e) => {
          if (e.altKey || e.ctrlKey || e.metaKey) return;
          const key = e.key.length === 1 ? e.key.toUpperCase() : "";
          if (KEYS.includes(key) || (moreKeys && EXTRA_KEYS.includes(key))) {
            e.preventDefault();
            flash(key);
            press(key);
          }
        },
      },
      ...KEYS.map(keyButton),
    );
    const extraKeys = h("div", { class: "acs-sp-keypad acs-sp-extra", "data-testid": "extra-keys", hidden: true }, ...EXTRA_KEYS.map(keyButton));
    keypad.append(extraKeys);
    const moreKeysBox = h("input", {
      type: "checkbox",
      id: `${prefix}-more-keys`,
      "data-testid": "more-keys",
      onchange: (e) => {
        moreKeys = e.target.checked;
        extraKeys.hidden = !moreKeys;
      },
    });
    const sayInput = h("input", { id: `${prefix}-say`, "data-testid": "say-text", type: "text", autocomplete: "off", placeholder: t("sayPlaceholder"), maxlength: "1000" });
    const sayButton = h("button", { type: "submit", class: "acs-sp-button", "data-testid": "say", text: t("say") });
    const sayForm = h(
      "form",
      { class: "acs-sp-say", "data-testid": "say-form", onsubmit: (e) => { e.preventDefault(); say(); } },
      h("label", { for: sayInput.id, text: t("sayLabel") }),
      h("div", { class: "acs-sp-row" }, sayInput, sayButton),
    );

    const callPanel = h(
      "section",
      { class: "acs-sp-call", "data-testid": "call", hidden: true, "aria-label": t("heading") },
      h("div", { class: "acs-sp-call-head" }, peer, stateLabel),
      h("div", { class: "acs-sp-actions" }, answerButton, busyButton, declineButton, hangupButton),
      h("h4", { id: `${prefix}-heard-title`, text: t("heard") }),
      promptList,
      listening,
      keypad,
      h("p", { class: "acs-sp-hint", id: `${prefix}-keypad-hint`, text: t("keypadHint") }),
      h("div", { class: "acs-sp-check" }, moreKeysBox, h("label", { for: moreKeysBox.id, text: t("moreKeys") })),
      sayForm,
    );
    const status = h("p", { class: "acs-sp-status", "data-testid": "status", role: "status", "aria-live": "polite" });

    root.classList.add("acs-softphone");
    root.setAttribute("data-testid", "softphone");
    root.replaceChildren(
      notice,
      announcer,
      dialForm,
      h("h4", { id: `${prefix}-calls-title`, text: t("calls") }),
      callList,
      noCalls,
      callPanel,
      status,
    );

    // ------------------------------------------------------------------ recent numbers

    const recent = readRecent();
    fromInput.value = recent.from || DEFAULT_FROM;
    toInput.value = recent.to || DEFAULT_TO;
    renderRecent();

    function readRecent() {
      try {
        const saved = JSON.parse((storage && storage.getItem("acs-softphone.recent")) || "{}");
        return { from: saved.from, to: saved.to, numbers: Array.isArray(saved.numbers) ? saved.numbers.filter((n) => typeof n === "string") : [] };
      } catch {
        return { numbers: [] };
      }
    }

    function remember(from, to) {
      recent.from = from;
      recent.to = to;
      recent.numbers = [to, from, ...recent.numbers.filter((n) => n !== to && n !== from)].slice(0, RECENT_KEPT);
      try {
        if (storage) storage.setItem("acs-softphone.recent", JSON.stringify(recent));
      } catch {
        // storage full or refused: recent numbers are a convenience
      }
      renderRecent();
    }

    function renderRecent() {
      const numbers = [...new Set([DEFAULT_TO, ...recent.numbers])];
      recentList.replaceChildren(...numbers.map((n) => h("option", { value: n })));
    }

    // ------------------------------------------------------------------ talking to the simulator

    function tell(text) {
      status.textContent = text || "";
    }

    function explain(err) {
      if (err && err.status === 503 && err.code === "SimulatorNotRunning") return t("error.notRunning");
      if (err && err.status === 401) return t("error.unauthorized");
      if (err && err.status === 403) return t("error.forbidden");
      if (err && err.status && err.message) return t("error.refused", { message: err.message });
      return t("error.offline");
    }

    function showNotice(text) {
      notice.textContent = text || "";
      notice.hidden = !text;
    }

    async function request(method, path, body) {
      try {
        const reply = await api(method, path, body);
        tell("");
        return reply;
      } catch (err) {
        tell(explain(err));
        throw err;
      }
    }

    async function dial() {
      const from = fromInput.value.trim();
      const to = toInput.value.trim();
      tell(t("dialing", { to }));
      dialButton.disabled = true;
      try {
        const leg = await request("POST", "calls", { from, to });
        remember(from, to);
        tell("");
        calls.set(leg.id, leg);
        select(leg.id);
      } catch {
        // explained in the status line
      } finally {
        dialButton.disabled = false;
      }
    }

    function act(action, body) {
      const id = selectedId;
      if (!id) return;
      request("POST", `calls/${encodeURIComponent(id)}/${action}`, body || {}).then(
        (leg) => {
          if (leg && leg.id) merge([leg]);
        },
        () => undefined,
      );
    }

    function press(key) {
      const id = selectedId;
      const call = id && calls.get(id);
      if (!call || call.state !== "connected") return;
      // One key after another, in the order pressed.
      sending = sending.then(() => request("POST", `calls/${encodeURIComponent(id)}/dtmf`, { tones: key }).catch(() => undefined));
    }

    function say() {
      const id = selectedId;
      const text = sayInput.value.trim();
      if (!id || !text) return;
      sayInput.value = "";
      sending = sending.then(() => request("POST", `calls/${encodeURIComponent(id)}/speech`, { text }).catch(() => undefined));
    }

    function flash(key) {
      const button = keyButtons.get(key);
      if (!button) return;
      button.classList.add("is-pressed");
      setTimeout(() => button.classList.remove("is-pressed"), 150);
    }

    /** Long-poll for changes, one request at a time, backing off while the simulator is away. */
    async function watch() {
      let backoff = 1000;
      while (!stopped) {
        watchAbort = new AbortController();
        try {
          const path = cursor ? `changes?since=${encodeURIComponent(cursor)}&wait=${WAIT_SECONDS}` : "changes";
          const reply = await api("GET", path, undefined, watchAbort.signal);
          if (stopped) return;
          backoff = 1000;
          showNotice("");
          cursor = reply.cursor;
          if (reply.snapshot) resync(reply.calls);
          else merge(reply.calls);
        } catch (err) {
          if (stopped) return;
          cursor = null;
          showNotice(explain(err));
          await new Promise((resolve) => setTimeout(resolve, backoff));
          backoff = Math.min(backoff * 2, 15000);
        }
      }
    }

    /** A snapshot (first reply, or the simulator restarted): the calls it lists, and a fresh look at the ones we showed. */
    function resync(list) {
      const listed = new Set(list.map((c) => c.id));
      for (const [id, call] of calls) {
        if (listed.has(id) || call.state === "ended") continue;
        api("GET", `calls/${encodeURIComponent(id)}`).then(
          (leg) => merge([leg]),
          () => {
            calls.delete(id);
            render();
          },
        );
      }
      merge(list);
    }

    function merge(list) {
      let selectedChanged = false;
      for (const call of list) {
        const before = calls.get(call.id);
        calls.set(call.id, call);
        if (call.id === selectedId) selectedChanged = true;
        if (!before && call.direction === "outbound" && call.state === "ringing") {
          // A phone shows the call that rings: Answer and Decline at hand (the other calls stay in the list).
          select(call.id);
          selectedChanged = false;
          onIncoming({ id: call.id, from: shownNumber(call.from), to: shownNumber(call.to) });
        }
      }
      forgetOldEnded();
      if (selectedChanged) loadDetail();
      render();
    }

    function forgetOldEnded() {
      const ended = [...calls.values()].filter((c) => c.state === "ended" && c.id !== selectedId);
      ended.sort((a, b) => String(b.endedAt).localeCompare(String(a.endedAt)));
      for (const call of ended.slice(ENDED_KEPT)) calls.delete(call.id);
    }

    function select(id) {
      if (selectedId !== id) {
        selectedId = id;
        detail = null;
        heardShown = "";
        announced = { id, heard: 0, state: "" };
        promptList.replaceChildren();
      }
      loadDetail();
      render();
    }

    /** Read the call on screen in full; one read at a time, again if it changed meanwhile. */
    function loadDetail() {
      if (!selectedId) return;
      if (detailLoading) {
        detailAgain = true;
        return;
      }
      const id = selectedId;
      detailLoading = api("GET", `calls/${encodeURIComponent(id)}`)
        .then(
          (leg) => {
            if (id !== selectedId) return;
            detail = leg;
            calls.set(id, { ...calls.get(id), ...leg });
            render();
          },
          () => undefined,
        )
        .finally(() => {
          detailLoading = null;
          if (detailAgain && !stopped) {
            detailAgain = false;
            loadDetail();
          }
        });
    }

    // ------------------------------------------------------------------ showing it

    function stateText(call) {
      if (call.state === "ringing") return call.direction === "outbound" ? t("state.incoming") : t("state.calling");
      if (call.state === "connected") return call.isOnHold ? t("state.onHold") : t("state.connected");
      const reason = call.endReason;
      const key = reason && (END_REASONS[reason] || (/^rejected/.test(reason) ? "rejected" : undefined));
      const why = key ? t(`endReason.${key}`) : reason;
      return why ? `${t("state.ended")}: ${why}` : t("state.ended");
    }

    /** From the phone's side: the number at the other end, and this phone's own number. */
    function ends(call) {
      return call.direction === "outbound" ? { other: shownNumber(call.from), own: shownNumber(call.to) } : { other: shownNumber(call.to), own: shownNumber(call.from) };
    }

    function order(list) {
      const rank = (c) => (c.state === "ringing" && c.direction === "outbound" ? 0 : c.state !== "ended" ? 1 : 2);
      return list.sort((a, b) => rank(a) - rank(b) || String(b.createdAt).localeCompare(String(a.createdAt)));
    }

    function render() {
      renderList();
      renderCall();
    }

    function renderList() {
      const list = order([...calls.values()]);
      noCalls.hidden = list.length > 0;
      const items = list.map((call) => {
        const { other, own } = ends(call);
        const selected = call.id === selectedId;
        const incoming = call.direction === "outbound" && call.state === "ringing";
        const button = h(
          "button",
          {
            type: "button",
            class: `acs-sp-call-item${selected ? " is-selected" : ""}${incoming ? " is-ringing" : ""} is-${call.state}`,
            "data-testid": "call-item",
            "data-call-id": call.id,
            "data-state": call.state,
            "data-direction": call.direction,
            "aria-current": selected ? "true" : undefined,
            onclick: () => select(call.id),
          },
          h("span", { class: "acs-sp-dir", "aria-hidden": "true", text: call.direction === "outbound" ? "↙" : "↗" }),
          h("span", { class: "acs-sp-visually-hidden", text: `${t(`direction.${call.direction}`)}: ` }),
          h("span", { class: "acs-sp-number", text: other }),
          h("span", { class: "acs-sp-item-state", text: stateText(call) }),
          h("span", { class: "acs-sp-own", text: t("you", { number: own }) }),
        );
        return h("li", {}, button);
      });
      // Keep the focus on the call list item the user is on.
      const focusedId = document.activeElement && document.activeElement.getAttribute && document.activeElement.getAttribute("data-call-id");
      callList.replaceChildren(...items);
      if (focusedId && callList.contains(document.activeElement) === false) {
        const again = callList.querySelector(`[data-call-id="${CSS.escape(focusedId)}"]`);
        if (again) again.focus();
      }
    }

    function renderCall() {
      const call = selectedId ? calls.get(selectedId) : undefined;
      callPanel.hidden = !call;
      if (!call) return;
      const { other } = ends(call);
      peer.textContent = call.direction === "outbound" && call.state === "ringing" ? t("incomingFrom", { from: other }) : other;
      stateLabel.textContent = stateText(call);
      if (announced.id === call.id && announced.state !== stateLabel.textContent) announcer.textContent = stateLabel.textContent;
      announced.state = stateLabel.textContent;
      stateLabel.setAttribute("data-state", call.state);
      const incoming = call.direction === "outbound" && call.state === "ringing";
      answerButton.hidden = !incoming;
      declineButton.hidden = !incoming;
      busyButton.hidden = !incoming;
      hangupButton.hidden = incoming || call.state === "ended";
      const live = call.state === "connected";
      for (const button of keyButtons.values()) button.disabled = !live;
      keypad.classList.toggle("is-disabled", !live);
      sayInput.disabled = !live;
      sayButton.disabled = !live;
      const l = call.listening;
      listening.textContent = !live ? "" : !l ? t("listening.none") : l.keys && l.speech ? t("listening.both") : l.keys ? t("listening.keys") : t("listening.speech");
      // For scripts and tests: what the flow listens for now.
      listening.dataset.keys = String(Boolean(live && l && l.keys));
      listening.dataset.speech = String(Boolean(live && l && l.speech));
      keypad.classList.toggle("is-listening", Boolean(l && l.keys));
      sayForm.classList.toggle("is-listening", Boolean(l && l.speech));
      renderHeard(call);
    }

    /** The prompts heard and what the caller did, in order; the prompt sounding now marked. */
    function renderHeard(call) {
      if (!detail || detail.id !== call.id) return;
      const rows = [];
      detail.heard.forEach((prompt, index) => rows.push({ at: prompt.at, order: 0, prompt, index }));
      for (const entry of detail.timeline || []) {
        if (entry.what === "pressed" || entry.what === "said") rows.push({ at: entry.at, order: 1, entry });
      }
      rows.sort((a, b) => String(a.at).localeCompare(String(b.at)) || a.order - b.order);
      // Keys pressed one after another read as one line.
      const lines = [];
      for (const row of rows) {
        const last = lines[lines.length - 1];
        if (row.entry && row.entry.what === "pressed" && last && last.pressed) {
          last.pressed.push(row.entry.detail || {});
          continue;
        }
        lines.push(row.entry && row.entry.what === "pressed" ? { pressed: [row.entry.detail || {}] } : row);
      }
      const playing = call.playing;
      const shown = JSON.stringify([lines.length, detail.heard.length, playing, (detail.timeline || []).length]);
      if (shown === heardShown) return;
      heardShown = shown;
      if (detail.heard.length > announced.heard) {
        announcer.textContent = promptText(detail.heard[detail.heard.length - 1]);
        announced.heard = detail.heard.length;
      }
      const atBottom = promptList.scrollHeight - promptList.scrollTop - promptList.clientHeight < 24;
      const items = lines.map((line) => {
        if (line.prompt) {
          const p = line.prompt;
          const now = line.index === playing;
          const kind = p.via === "hold" ? "hold" : p.kind;
          return h(
            "li",
            {
              class: `acs-sp-prompt${now ? " is-playing" : ""}`,
              "data-testid": "prompt",
              "data-kind": p.kind,
              "data-index": line.index,
              "data-playing": now ? "true" : "false",
              "aria-current": now ? "true" : undefined,
            },
            h("span", { class: "acs-sp-kind", text: t(`kind.${kind}`) }),
            h("span", { class: "acs-sp-text", text: promptText(p) }),
            now ? h("span", { class: "acs-sp-now", text: t("playing") }) : null,
          );
        }
        if (line.pressed) {
          const keys = line.pressed.map((d) => TONE_KEYS[d.tone] || d.tone).join(" ");
          const unheard = line.pressed.every((d) => d.outcome === "ignored");
          return h(
            "li",
            { class: "acs-sp-mine", "data-testid": "caller-input", "data-input": "keys", "data-heard": String(!unheard) },
            h("span", { text: t("pressed", { keys }) }),
            unheard ? h("span", { class: "acs-sp-unheard", text: ` ${t("notHeard")}` }) : null,
          );
        }
        const d = line.entry.detail || {};
        return h(
          "li",
          { class: "acs-sp-mine", "data-testid": "caller-input", "data-input": "speech", "data-heard": String(d.outcome !== "ignored") },
          h("span", { text: t("said", { text: d.text || "" }) }),
          d.outcome === "ignored" ? h("span", { class: "acs-sp-unheard", text: ` ${t("notHeard")}` }) : null,
        );
      });
      if (items.length === 0) items.push(h("li", { class: "acs-sp-empty", "data-testid": "nothing-heard", text: t("nothingHeard") }));
      promptList.replaceChildren(...items);
      if (atBottom) promptList.scrollTop = promptList.scrollHeight;
    }

    void watch();
    render();

    return {
      destroy() {
        stopped = true;
        if (watchAbort) watchAbort.abort();
        root.replaceChildren();
      },
    };
  }

  // ------------------------------------------------------------------ the standalone page

  /** Look a dotted key up in a catalogue and fill in __name__ placeholders, as Node-RED does. */
  function translator(messages) {
    return function (key, substitutions) {
      let at = messages;
      for (const part of `acs-softphone.phone.${key}`.split(".")) at = at && typeof at === "object" ? at[part] : undefined;
      if (typeof at !== "string") return key;
      return at.replace(/__([A-Za-z0-9_]+)__/g, (whole, name) => (substitutions && name in substitutions ? String(substitutions[name]) : whole));
    };
  }

  /** JSON over fetch to the control API beside the page, with the Node-RED editor's token when there is one. */
  function pageApi(base) {
    // Under Node-RED (…/acs-simulator/phone) the editor keeps its login in localStorage, per admin path.
    const nodeRed = /^(.*)\/acs-simulator\/phone\/?$/.exec(location.pathname);
    const tokenKey = nodeRed ? `auth-tokens${nodeRed[1].replace(/\//g, "-")}` : null;
    return async function (method, path, body, signal) {
      const headers = { accept: "application/json" };
      if (body !== undefined) headers["content-type"] = "application/json";
      if (tokenKey) {
        try {
          const tokens = JSON.parse(localStorage.getItem(tokenKey) || "null");
          if (tokens && tokens.access_token) headers.authorization = `Bearer ${tokens.access_token}`;
        } catch {
          // no usable login stored
        }
      }
      let res;
      try {
        res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: "no-store" });
      } catch (err) {
        throw { status: 0, message: String(err && err.message) };
      }
      const text = await res.text();
      let json;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (!res.ok) {
        const error = (json && json.error) || {};
        throw { status: res.status, code: error.code, message: error.message || res.statusText };
      }
      return json;
    };
  }

  async function bootPage(page) {
    const base = location.pathname.replace(/\/phone\/?$/, "/");
    let messages = {};
    try {
      const res = await fetch(`${base}phone/messages?lang=${encodeURIComponent(navigator.language || "en-US")}`, { cache: "no-store" });
      const reply = await res.json();
      messages = reply.messages || {};
      if (reply.lang) document.documentElement.lang = reply.lang;
    } catch {
      // keys show instead of text; the phone still works
    }
    const t = translator(messages);
    document.title = t("title");
    const heading = page.querySelector("[data-softphone-heading]");
    if (heading) heading.textContent = t("heading");
    let storage = null;
    try {
      storage = window.localStorage;
    } catch {
      storage = null;
    }
    mount(page.querySelector("[data-softphone-root]"), { api: pageApi(base), t, storage });
  }

  ensureStyles();
  window.AcsSoftphone = { mount, promptText, shownNumber };

  const page = document.querySelector("[data-acs-softphone-page]");
  if (page) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => void bootPage(page));
    else void bootPage(page);
  }
})();
