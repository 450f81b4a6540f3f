/**
 * Recording files on ACS storage: which URLs the SDK will download from or delete, what its
 * storage errors mean, and saving a downloaded stream to a file (folders created, an existing
 * file kept unless overwriting was asked for, nothing half-written left behind).
 */
import { access, mkdir, open, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { isRecordingStorageUrl } from "./simulator-client";
import { libText, LocalizedError, type LibText } from "./lib-text";

/**
 * Why `url` is not a recording location the SDK accepts (https on ACS recording storage:
 * `*.asm.skype.com` or the Teams hosts), or undefined when it is one.
 */
export function recordingUrlProblem(url: string): LibText | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return libText("notAUrl");
  }
  if (parsed.protocol !== "https:") return libText("notHttps");
  if (!isRecordingStorageUrl(url)) return libText("notRecordingStorage", { host: parsed.hostname });
  return undefined;
}

/**
 * The SDK's recording download and delete throw a plain `{status, message}` read from the storage
 * service's error body (not a RestError): give it the `statusCode` the error helpers read.
 */
export function storageFailure(err: unknown): unknown {
  if (typeof err !== "object" || err === null || err instanceof Error) return err;
  const e = err as { status?: unknown; message?: unknown };
  const status = typeof e.status === "number" ? e.status : undefined;
  const message = typeof e.message === "string" && e.message !== "" ? e.message : status ? `storage answered ${status}` : "unknown storage error";
  return { statusCode: status, message };
}

/** Where a download goes: an absolute path as it is; a relative one under `baseDir` (or the temp folder). */
export function resolveDownloadPath(path: string, baseDir: string | undefined): string {
  return isAbsolute(path) ? path : resolve(baseDir || tmpdir(), path);
}

export class FileExistsError extends LocalizedError {
  constructor(readonly path: string) {
    super(libText("fileExists", { path }));
    this.name = "FileExistsError";
  }
}

/** True when something is at `path`. */
export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Write `source` to `path`, creating missing folders. Without `overwrite` an existing file is an
 * error (FileExistsError) and stays as it was. A write that fails part way removes what it wrote.
 * Returns the number of bytes written.
 */
export async function saveStream(source: NodeJS.ReadableStream, path: string, overwrite: boolean): Promise<number> {
  let opened = false;
  try {
    await mkdir(dirname(path), { recursive: true });
    // Open first: from here on the file is ours to remove if the download breaks.
    const handle = await open(path, overwrite ? "w" : "wx");
    opened = true;
    const sink = handle.createWriteStream();
    await pipeline(source, sink);
    return sink.bytesWritten;
  } catch (err) {
    // The source must not be left half read: its connection would stay open.
    destroy(source);
    if (opened) await unlink(path).catch(() => undefined);
    if ((err as NodeJS.ErrnoException)?.code === "EEXIST") throw new FileExistsError(path);
    throw err;
  }
}

/** Read a whole stream into one Buffer. */
export async function readAll(source: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function destroy(stream: NodeJS.ReadableStream): void {
  const d = (stream as { destroy?: () => void }).destroy;
  if (typeof d === "function") d.call(stream);
}
