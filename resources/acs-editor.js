/* global RED, $, window */
/* eslint @typescript-eslint/no-unused-vars: ["error", { "args": "none", "caughtErrors": "none" }] -- validators keep (v, opt): see below */
/**
 * The editor code the Azure Calling node dialogs share: the input patterns (those lib/ checks at
 * run time), validators that return a clear message, TypedInput set-up, label helpers and the
 * rewiring of dynamic output ports.
 *
 * Node-RED serves this folder at resources/node-red-contrib-acs-call-automation/; each node's .html
 * loads the file with a <script src> before its own inline registerType, which stays literal for
 * the Flow Library's scorer. Every node set loads it, so it defines `window.AcsEditor` only once.
 *
 * Messages come from the calling node's own catalogue: a validator is given its message keys and
 * looks them up with `this._`, as Node-RED resolves a node's keys only in its own catalogue.
 * Validators take (v, opt): Node-RED 3+ shows a returned string as the reason only for those.
 */
(function () {
    "use strict";
    if (window.AcsEditor) return;

    // What lib/identifiers rawIdFromText accepts: +E.164, 4:+E.164, or a prefixed raw id (8:acs:…).
    var IDENTIFIER = /^(\+[1-9]\d{1,14}|4:\+[1-9]\d{1,14}|(?!4:)\d{1,3}:\S*[^\s:])$/;
    // A phone number (a caller id), optionally with the raw id prefix 4:.
    var PHONE = /^(4:)?\+[1-9]\d{1,14}$/;
    // A whole value "${NAME}": Node-RED substitutes the environment variable at deploy time.
    var ENV = /^\$\{[^}]+\}$/;
    // A speech locale (lib/streaming-options): language, optional script, region ("en-US", "zh-Hans-CN", "es-419").
    var LOCALE = /^[a-z]{2,3}(-[a-z]{4})?-([a-z]{2}|\d{3})$/i;
    // A custom speech model's endpoint id.
    var GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    // ACS streams only to a secure WebSocket.
    var WSS = /^wss:\/\/[^\s/?#]+/i;
    var AUDIO_URL = /^https?:\/\/\S+$/i;
    var SSML = /^\s*<speak[\s>]/i;
    // DTMF keys, and the tone names ACS gives them (lib/dtmf).
    var KEY = /^[0-9#*A-Da-d]$/;
    var TONE_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "pound", "asterisk", "a", "b", "c", "d"];

    // TypedInput types by what the field holds.
    var TYPES = {
        // Where a call id (or another id an earlier node set) is found: never typed in.
        source: ["msg", "flow", "global", "env", "jsonata"],
        // A value typed in, or found elsewhere.
        value: ["str", "msg", "flow", "global", "env", "jsonata"],
        // A JSON object typed in, or found elsewhere.
        json: ["json", "msg", "flow", "global", "env", "jsonata"],
    };

    function isEmpty(v) {
        return v === "" || v === undefined || v === null;
    }

    /** A setting as the dialog shows it now, or as the node holds it when no dialog is open. */
    function field(node, name) {
        var el = $("#node-input-" + name);
        return el.length ? el.val() : node[name];
    }

    /** A checkbox setting as the dialog shows it now, or as the node holds it. */
    function checked(node, name) {
        var el = $("#node-input-" + name);
        return el.length ? el.is(":checked") : !!node[name];
    }

    /** Text on one line, cut to `max` characters with an ellipsis. */
    function clip(text, max) {
        text = String(text === undefined || text === null ? "" : text).replace(/\s+/g, " ").trim();
        return text.length > max ? text.slice(0, max - 1) + "…" : text;
    }

    /** A DTMF key (1, #, A) or a tone name (one, pound). */
    function isKey(text) {
        var k = String(text).trim();
        return KEY.test(k) || TONE_NAMES.indexOf(k.toLowerCase()) >= 0;
    }

    /** Where a TypedInput reads its value, for a label: "msg.prompt", "flow.greeting", "env GREETING", or the expression. */
    function sourceText(type, value, max) {
        if (type === "msg" || type === "flow" || type === "global") return type + "." + clip(value, max);
        if (type === "env") return "env " + clip(value, max);
        return clip(value, max);
    }

    /**
     * What a prompt plays, for a node label: quoted text (SSML without its tags), an audio file's
     * name, or where the prompt comes from. Empty when there is no prompt.
     */
    function describePrompt(kind, value, type, max) {
        max = max || 24;
        if (isEmpty(value)) return "";
        if ((type || "str") !== "str") return sourceText(type, value, max);
        if (kind === "file") return clip(String(value).replace(/[?#].*$/, "").replace(/\/+$/, "").replace(/^.*\//, ""), max);
        var text = kind === "ssml" ? String(value).replace(/<[^>]+>/g, " ") : String(value);
        return "\"" + clip(text, max) + "\"";
    }

    // ---- Validators: each returns `function (v, opt)`, true or a message. ----

    /** Only checked when `applies(node)`: settings of one action or one mode. */
    function when(applies, check) {
        return function (v, opt) {
            return applies(this) ? check.call(this, v, opt) : true;
        };
    }

    /** applies(): the select `name` (default `fallback`) has one of `values`. */
    function selected(name, values, fallback) {
        return function (node) {
            return values.indexOf(field(node, name) || fallback) >= 0;
        };
    }

    /** A TypedInput that must name a property (msg, flow…) or hold an expression. */
    function typed(typeField) {
        return function (v, opt) {
            return RED.validators.typedInput(typeField).call(this, v, opt);
        };
    }

    /**
     * A TypedInput whose typed-in value must match `o.pattern`. o.empty: the message when it is
     * empty (it may be empty without one); o.bad: the message for a typed-in value that does not
     * match; o.untypedIsNone: no type saved means the runtime uses its default
     * (msg.call.remoteParty), so there is nothing to check; o.defaultType: the type when none is
     * saved ("str").
     */
    function typedText(typeField, o) {
        return function (v, opt) {
            var saved = field(this, typeField);
            if (o.untypedIsNone && !saved) return true;
            var type = saved || o.defaultType || "str";
            if (isEmpty(v)) {
                if (o.empty) return this._(o.empty);
                // Left empty: none. Only a typed-in or env value may be empty (msg, flow… need a name).
                if (type === "str" || type === "env") return true;
            }
            if (type === "str") return o.pattern.test(String(v).trim()) || ENV.test(v) ? true : this._(o.bad);
            return RED.validators.typedInput(typeField).call(this, v, opt);
        };
    }

    /** A TypedInput holding a phone number or an id (typedText, with IDENTIFIER unless o.pattern). */
    function identifier(typeField, o) {
        return typedText(typeField, {
            pattern: o.pattern || IDENTIFIER,
            empty: o.empty,
            bad: o.bad,
            untypedIsNone: o.untypedIsNone,
            defaultType: o.defaultType,
        });
    }

    /** Optional custom headers: a JSON object of names to text, or where to find one. */
    function headers(typeField, badKey) {
        return function (v, opt) {
            var type = field(this, typeField) || "json";
            if (isEmpty(v) && (type === "json" || type === "env")) return true;
            if (type !== "json") return RED.validators.typedInput(typeField).call(this, v, opt);
            var parsed;
            try {
                parsed = JSON.parse(v);
            } catch (e) {
                return this._(badKey);
            }
            if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return this._(badKey);
            for (var k in parsed) {
                if (Object.prototype.hasOwnProperty.call(parsed, k) && parsed[k] !== null && typeof parsed[k] === "object") return this._(badKey);
            }
            return true;
        };
    }

    /** A JSON list typed in (may be empty), or where to find one. */
    function jsonList(typeField, badKey) {
        return function (v, opt) {
            var type = field(this, typeField) || "json";
            if (type !== "json") return RED.validators.typedInput(typeField).call(this, v, opt);
            if (isEmpty(v)) return true;
            try {
                return Array.isArray(JSON.parse(v)) ? true : this._(badKey);
            } catch (e) {
                return this._(badKey);
            }
        };
    }

    /** A number typed in: o.min, o.max, o.integer; o.optional: may be empty; o.key: the message. */
    function number(o) {
        return function (v, opt) {
            if (isEmpty(v) || String(v).trim() === "") return o.optional ? true : this._(o.key);
            if (ENV.test(v)) return true;
            var n = Number(v);
            if (!isFinite(n) || (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max) || (o.integer && Math.floor(n) !== n)) return this._(o.key);
            return true;
        };
    }

    /** An optional regular expression; the message names what is wrong with it. */
    function regex(key) {
        return function (v, opt) {
            if (isEmpty(v)) return true;
            try {
                new RegExp(v);
                return true;
            } catch (e) {
                return this._(key) + ": " + e.message;
            }
        };
    }

    /** Optional text that must match `pattern` when given (a locale). */
    function optionalText(pattern, badKey) {
        return function (v, opt) {
            var text = String(isEmpty(v) ? "" : v).trim();
            return text === "" || ENV.test(text) || pattern.test(text) ? true : this._(badKey);
        };
    }

    /**
     * A prompt TypedInput of a kind (text, SSML, audio file URL) chosen by the select `kindField`.
     * keys.empty: the message when it is empty (may be empty without it); keys.ssml, keys.file.
     */
    function prompt(kindField, typeField, keys) {
        return function (v, opt) {
            if (isEmpty(v)) return keys.empty ? this._(keys.empty) : true;
            var type = field(this, typeField) || "str";
            if (type !== "str") return RED.validators.typedInput(typeField).call(this, v, opt);
            if (ENV.test(v)) return true;
            var kind = field(this, kindField) || "text";
            if (kind === "ssml" && !SSML.test(v)) return this._(keys.ssml);
            if (kind === "file" && !AUDIO_URL.test(String(v).trim())) return this._(keys.file);
            return true;
        };
    }

    // ---- Media streaming and live transcription, set up by answer and create-call. ----

    /**
     * A streaming TypedInput, checked when its part (the checkbox `enabledField`) is on and
     * `applies(node)`: typed in, it must match `pattern`; `neededKey`: it may not be empty.
     */
    function streamSetting(applies, enabledField, typeField, pattern, badKey, neededKey) {
        return when(function (node) {
            return applies(node) && checked(node, enabledField);
        }, typedText(typeField, { pattern: pattern, bad: badKey, empty: neededKey }));
    }

    /** The streaming rows (classes <cssPrefix>-streaming, -media, -transcription): shown when `applies()`. */
    function prepareStreaming(cssPrefix, applies, triggers) {
        ["mediaTransportUrl", "transcriptionTransportUrl", "transcriptionLocale", "transcriptionModelId"].forEach(function (name) {
            typedInput(name, TYPES.value, "str");
        });
        // A node saved before these settings existed has no audio channel: show the runtime's default.
        if (!$("#node-input-mediaAudioChannel").val()) $("#node-input-mediaAudioChannel").val("mixed");
        function show() {
            var on = applies();
            $("." + cssPrefix + "-streaming").toggle(on);
            $("." + cssPrefix + "-media").toggle(on && $("#node-input-streamMedia").is(":checked"));
            $("." + cssPrefix + "-transcription").toggle(on && $("#node-input-transcribe").is(":checked"));
        }
        $(["#node-input-streamMedia", "#node-input-transcribe"].concat(triggers || []).join(", ")).on("change", show);
        show();
    }

    // ---- Dialog set-up ----

    /**
     * Makes `#node-input-<name>` a TypedInput. A node saved without a type for it gets
     * `defaultValue` of type msg shown, which is what the runtime reads then.
     */
    function typedInput(name, types, defaultType, defaultValue) {
        var typeField = $("#node-input-" + name + "Type");
        if (defaultValue !== undefined && !typeField.val()) {
            $("#node-input-" + name).val(defaultValue);
            typeField.val("msg");
        } else if (!typeField.val()) {
            typeField.val(defaultType);
        }
        $("#node-input-" + name).typedInput({ default: defaultType, types: types, typeField: "#node-input-" + name + "Type" });
        showMessageOn(name);
    }

    /**
     * Node-RED puts a field's validation message in a tooltip on the field's input; a TypedInput
     * hides that input, so the message of a typed-in value would never show. This shows it on the
     * TypedInput, and keeps it current as any field of the dialog changes (a check may read another
     * field). When the TypedInput's own check of its type fails (a msg property, JSON…), it shows
     * its own tooltip, which Node-RED fills with the node's message: nothing to add then.
     */
    /** Whether the TypedInput's own check of its type (a msg property, JSON…) fails: it then shows its own tooltip. */
    function ownCheckFails(input, value) {
        var widget = input.data("noderedTypedInput");
        var type = input.typedInput("type");
        var check = widget && widget.typeMap && widget.typeMap[type] ? widget.typeMap[type].validate : undefined;
        if (!check) return false;
        var result = typeof check === "function" ? check(value, {}) : check.test(value);
        return result !== true;
    }

    function showMessageOn(name) {
        var input = $("#node-input-" + name);
        var container = input.next(".red-ui-typedInput-container");
        function refresh() {
            var stack = RED.editor.getEditStack ? RED.editor.getEditStack() : [];
            var node = stack[stack.length - 1];
            var property = node && node._def && node._def.defaults ? node._def.defaults[name] : undefined;
            var value = input.typedInput("value");
            var message = true;
            if (property && property.validate && !ownCheckFails(input, value) && container.hasClass("input-error")) {
                message = property.validate.call(node, value, {});
            }
            var tooltip = container.data("acsTooltip");
            if (typeof message === "string") {
                if (tooltip) tooltip.setContent(message);
                else container.data("acsTooltip", RED.popover.tooltip(container, message));
            } else if (tooltip) {
                tooltip.delete();
                container.removeData("acsTooltip");
            }
        }
        input.closest("form").on("change keyup paste", refresh);
    }

    /** The call id TypedInput every in-call node has: msg.call.callConnectionId unless set. */
    function callIdInput() {
        typedInput("callId", TYPES.source, "msg", "call.callConnectionId");
    }

    /** Runs `show` now and whenever one of the `selectors` changes. */
    function showOn(selectors, show) {
        $(selectors).on("change", show);
        show();
    }

    /**
     * For oneditsave of a node whose ports follow a setting: tells Node-RED how the wires move
     * from `oldCount` ports to `newCount`. Ports both have keep their wires (they share their
     * meaning: success first, then failed); the others are dropped or added. The dialog needs
     * <input type="hidden" id="node-input-outputs">.
     */
    function rewirePorts(oldCount, newCount) {
        if (oldCount === newCount) {
            $("#node-input-outputs").val("");
            return;
        }
        var map = {};
        for (var i = 0; i < oldCount; i++) map[i] = i < newCount ? i : -1;
        for (var j = oldCount; j < newCount; j++) map["new" + j] = j;
        $("#node-input-outputs").val(JSON.stringify(map));
    }

    /** An outputLabels function for ports named by `portsOf(node)`: "<type>.outputs.<port name>". */
    function portLabels(portsOf) {
        return function (index) {
            var name = portsOf(this)[index];
            return name ? this._(this.type + ".outputs." + name) : "";
        };
    }

    /**
     * A node whose ports follow a select (its action): `table` maps each value to its port names,
     * `fallback` is the default value. Gives the value now (`valueOf(node)`), the port names
     * (`portsOf(node)`), and the node's outputLabels and oneditsave.
     */
    function portsBy(name, table, fallback) {
        function valueOf(node) {
            var value = field(node, name) || fallback;
            return Object.prototype.hasOwnProperty.call(table, value) ? value : fallback;
        }
        function portsOf(node) {
            return table[valueOf(node)];
        }
        return {
            valueOf: valueOf,
            portsOf: portsOf,
            outputLabels: portLabels(portsOf),
            oneditsave: function () {
                // The node still holds its saved settings here: the editor applies the form after this.
                var before = table[this[name]] || table[fallback];
                rewirePorts(Number(this.outputs) || before.length, portsOf(this).length);
            },
        };
    }

    /** Node-RED's convention: a label the user named is in italics. */
    function labelStyle() {
        return this.name ? "node_label_italic" : "";
    }

    window.AcsEditor = {
        IDENTIFIER: IDENTIFIER,
        PHONE: PHONE,
        ENV: ENV,
        LOCALE: LOCALE,
        GUID: GUID,
        WSS: WSS,
        TYPES: TYPES,
        isEmpty: isEmpty,
        field: field,
        checked: checked,
        clip: clip,
        isKey: isKey,
        sourceText: sourceText,
        describePrompt: describePrompt,
        when: when,
        selected: selected,
        typed: typed,
        typedText: typedText,
        identifier: identifier,
        headers: headers,
        jsonList: jsonList,
        number: number,
        regex: regex,
        optionalText: optionalText,
        prompt: prompt,
        streamSetting: streamSetting,
        prepareStreaming: prepareStreaming,
        typedInput: typedInput,
        callIdInput: callIdInput,
        showOn: showOn,
        rewirePorts: rewirePorts,
        portLabels: portLabels,
        portsBy: portsBy,
        labelStyle: labelStyle,
    };
})();
