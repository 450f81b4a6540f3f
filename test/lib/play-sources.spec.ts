import assert from "node:assert/strict";
import { playSourceOf } from "../../lib/play-sources";

describe("play sources", () => {
  describe("playSourceOf", () => {
    it("makes a text source with the default voice and locale when given", () => {
      assert.deepEqual(playSourceOf("text", "Welcome."), { kind: "textSource", text: "Welcome." });
      assert.deepEqual(playSourceOf("text", "Welcome.", { voice: "en-US-JennyNeural", locale: "en-US" }), {
        kind: "textSource",
        text: "Welcome.",
        voiceName: "en-US-JennyNeural",
        sourceLocale: "en-US",
      });
      assert.deepEqual(playSourceOf("text", "환영합니다", { locale: "ko-KR" }), { kind: "textSource", text: "환영합니다", sourceLocale: "ko-KR" });
    });

    it("makes an SSML source only from a <speak> document", () => {
      const ssml = '<speak version="1.0" xml:lang="en-US"><voice name="en-US-JennyNeural">Hi</voice></speak>';
      assert.deepEqual(playSourceOf("ssml", ssml, { voice: "ignored" }), { kind: "ssmlSource", ssmlText: ssml });
      assert.deepEqual(playSourceOf("ssml", "  \n<SPEAK>Hi</SPEAK>"), { kind: "ssmlSource", ssmlText: "  \n<SPEAK>Hi</SPEAK>" });
      for (const bad of ["Hello", "<speaker>x</speaker>", "<voice>x</voice>", "", "x<speak>y</speak>"]) {
        assert.throws(() => playSourceOf("ssml", bad), /SSML must start with a <speak> element/, bad);
      }
    });

    it("makes a file source from an absolute http(s) URL", () => {
      assert.deepEqual(playSourceOf("file", "https://cdn.example.com/welcome.wav"), { kind: "fileSource", url: "https://cdn.example.com/welcome.wav" });
      assert.deepEqual(playSourceOf("file", "http://10.0.0.5/a.wav?x=1"), { kind: "fileSource", url: "http://10.0.0.5/a.wav?x=1" });
    });

    it("refuses a relative path, another scheme, or garbage, quoting at most 100 characters of it", () => {
      assert.throws(() => playSourceOf("file", "/audio/welcome.wav"), /"\/audio\/welcome\.wav" is not an absolute URL of an audio file/);
      assert.throws(() => playSourceOf("file", "welcome.wav"), /is not an absolute URL/);
      for (const url of ["ftp://x/a.wav", "file:///etc/passwd", "data:audio/wav;base64,AAAA", "javascript:alert(1)"]) {
        assert.throws(() => playSourceOf("file", url), /an audio file URL must be http or https/, url);
      }
      const long = "x".repeat(500);
      assert.throws(
        () => playSourceOf("file", long),
        (err: Error) => err.message.includes(`"${"x".repeat(100)}"`) && !err.message.includes("x".repeat(101)),
      );
    });

    it("refuses an unknown kind", () => {
      assert.throws(() => playSourceOf("video" as never, "x"), /unknown prompt kind video/);
    });
  });
});
