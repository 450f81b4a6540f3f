/**
 * acs-softphone: a Node-RED editor plugin, the "phone" tab of the sidebar: a softphone on the
 * built-in ACS simulator (dial a flow, see each prompt as it plays, press keys, say something,
 * hang up; calls the flow makes ring there). Its editor part is acs-softphone.html beside this
 * file, its text is locales/<lang>/acs-softphone.json (Node-RED loads a plugin's catalogue from
 * the locales folder beside its .js, under the namespace <module>/acs-softphone, and the editor
 * gets it from /plugins/messages). The phone's script and style sheet are the simulator's own
 * (simulator/phone/), served on the admin server at /acs-simulator/phone.js by acs-config.
 */

interface PluginRuntime {
  plugins: { registerPlugin(id: string, definition: Record<string, unknown>): void };
}

export = function register(RED: PluginRuntime): void {
  RED.plugins.registerPlugin("acs-softphone", { type: "acs-softphone" });
};
