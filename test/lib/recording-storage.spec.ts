import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { AcsActionError } from "../../lib/acs-errors";
import { renderText, type LibText } from "../../lib/lib-text";
import { FileExistsError, readAll, recordingUrlProblem, resolveDownloadPath, saveStream, storageFailure } from "../../lib/recording-storage";

const words = (problem: LibText | undefined) => (problem ? renderText(problem) : "");

describe("recording storage", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "acs-rec-storage-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("accepts only https URLs on ACS recording storage", () => {
    assert.equal(recordingUrlProblem("https://us-acs-simulator.asm.skype.com/v1/objects/d/content/audio"), undefined);
    assert.equal(recordingUrlProblem("https://x.asyncgw.teams.microsoft.com/v1/objects/d"), undefined);
    assert.match(words(recordingUrlProblem("not a url")), /not a URL/);
    assert.match(words(recordingUrlProblem("http://us-acs-simulator.asm.skype.com/v1/objects/d")), /not an https URL/);
    assert.match(words(recordingUrlProblem("https://example.com/v1/objects/d")), /example\.com is not ACS recording storage/);
    assert.match(words(recordingUrlProblem("https://asm.skype.com.evil.example/v1")), /not ACS recording storage/);
  });

  it("turns the SDK's storage error objects into errors with a status", () => {
    const err = new AcsActionError("downloadRecording", storageFailure({ status: 404, message: "The recording file does not exist." }));
    assert.equal(err.message, "download recording failed: ACS answered 404: The recording file does not exist.");
    assert.equal(err.status, 404);
    assert.equal(new AcsActionError("deleteRecording", storageFailure({ status: 500 })).message, "delete recording failed: ACS answered 500: storage answered 500");
    const real = new Error("boom");
    assert.equal(storageFailure(real), real, "real errors pass as they are");
  });

  it("puts a relative path under the base folder (or the temp folder), an absolute one as it is", () => {
    assert.equal(resolveDownloadPath("rec/a.wav", "/data/user"), "/data/user/rec/a.wav");
    assert.equal(resolveDownloadPath("/abs/a.wav", "/data/user"), "/abs/a.wav");
    assert.equal(resolveDownloadPath("a.wav", undefined), join(tmpdir(), "a.wav"));
  });

  it("saves a stream, creating folders, and counts the bytes", async () => {
    const path = join(dir, "a", "b", "file.bin");
    const bytes = Buffer.from("RIFF....WAVEdata");
    assert.equal(await saveStream(Readable.from([bytes.subarray(0, 4), bytes.subarray(4)]), path, false), bytes.length);
    assert.deepEqual(await readFile(path), bytes);
  });

  it("keeps an existing file unless asked to overwrite", async () => {
    const path = join(dir, "file.bin");
    await writeFile(path, "old");
    await assert.rejects(saveStream(Readable.from([Buffer.from("new")]), path, false), FileExistsError);
    assert.equal(await readFile(path, "utf8"), "old", "the existing file is untouched");
    await saveStream(Readable.from([Buffer.from("new")]), path, true);
    assert.equal(await readFile(path, "utf8"), "new");
  });

  it("fails on a path that cannot be written, and removes a half-written file", async () => {
    const blocker = join(dir, "a-file");
    await writeFile(blocker, "x");
    await assert.rejects(saveStream(Readable.from([Buffer.from("x")]), join(blocker, "sub", "f.wav"), false), /ENOTDIR|EEXIST/);
    const broken = new Readable({
      read() {
        this.push(Buffer.from("partial"));
        this.destroy(new Error("connection reset"));
      },
    });
    const path = join(dir, "half.wav");
    await assert.rejects(saveStream(broken, path, false), /connection reset/);
    assert.deepEqual(await readdir(dir), ["a-file"], "nothing half-written is left");
  });

  it("reads a whole stream into a Buffer", async () => {
    assert.deepEqual(await readAll(Readable.from([Buffer.from("ab"), Buffer.from("cd")])), Buffer.from("abcd"));
  });
});
