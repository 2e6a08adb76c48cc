/**
 * Advisory records from an osv.dev `all.zip` (https://osv-vulnerabilities.storage.googleapis.com/
 * <ECOSYSTEM>/all.zip, or the whole-database one): one OSV record per `*.json` entry.
 *
 * `osvZip` checks the file is a readable zip archive; each `recordsFor` then streams it with yauzl
 * (random access through the central directory, one entry inflated at a time, sizes and CRC-32
 * checked against the central directory) in one pass (src/adapters/osv/offline-pass.ts): every
 * record is parsed, the fields that decide whether it matters are checked, and the records naming
 * a scanned package are validated in full and kept. A record entry that is not JSON, or not a
 * valid record where it matters, is an error (`GateError('input')` naming the archive and the
 * entry), never skipped. Entries that are not `*.json` (directories, a README) are ignored.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import type { OsvRecord, Package } from '../../checks/dependencies/model.js';
import { GateError } from '../../errors.js';
import { utf8Problem } from '../../utf8.js';
import { RecordSieve } from './offline-pass.js';
import { type AdvisorySource, type SourceDescription, messageOf } from './source.js';

export interface OsvZipOptions {
  /** Largest record entry accepted (uncompressed), in bytes. Default 32 MiB. */
  maxRecordBytes?: number;
}

const DEFAULT_MAX_RECORD_BYTES = 32 * 1024 * 1024;
const FIX =
  'use the all.zip osv.dev publishes for an ecosystem (one OSV record per *.json entry), downloaded completely';

/**
 * The records in the archive `file`: checks now that it is a readable zip archive (throws
 * `GateError('input')` otherwise); the entries are read by `recordsFor`.
 */
export async function osvZip(file: string, opts: OsvZipOptions = {}): Promise<AdvisorySource> {
  const maxBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  await checkIsFile(file);
  const { zip } = await openArchive(file);
  zip.close();
  return new ZipSource(file, maxBytes);
}

class ZipSource implements AdvisorySource {
  private last: { records: number; snapshot: string | undefined } | undefined;

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
  ) {}

  /** Reads every record entry (one pass) and answers for these packages. */
  async recordsFor(packages: readonly Package[]): Promise<Map<string, OsvRecord[]>> {
    const sieve = new RecordSieve(packages);
    await eachRecordEntry(this.file, this.maxBytes, (json) => sieve.take(json));
    if (sieve.count === 0) {
      throw new GateError(
        'input',
        `the advisory archive ${this.file} holds no OSV record (*.json entry)`,
        { location: { file: this.file }, fix: FIX },
      );
    }
    this.last = { records: sieve.count, snapshot: sieve.snapshot };
    return sieve.result;
  }

  describe(): SourceDescription {
    const out: SourceDescription = { kind: 'osv-zip', location: this.file };
    if (this.last) {
      out.records = this.last.records;
      if (this.last.snapshot !== undefined) out.snapshot = this.last.snapshot;
    }
    return out;
  }
}

async function checkIsFile(file: string): Promise<void> {
  try {
    const info = await stat(file);
    if (!info.isFile()) {
      throw new GateError('input', `the advisory archive ${file} is not a file`, {
        location: { file },
        fix: 'for a directory of OSV records use --osv-dir (dependencies.source: osv-dir:PATH)',
      });
    }
  } catch (err) {
    if (err instanceof GateError) throw err;
    throw new GateError('input', `cannot read the advisory archive ${file}: ${messageOf(err)}`, {
      cause: err,
      location: { file },
      fix: 'check the path given to --osv-zip (or dependencies.source: osv-zip:PATH)',
    });
  }
}

function bad(file: string, what: string, cause?: unknown): GateError {
  return new GateError('input', `the advisory archive ${file} ${what}`, {
    location: { file },
    fix: FIX,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Opens the archive and reads its central directory's end record; the caller closes `zip`. */
async function openArchive(
  file: string,
): Promise<{ zip: yauzl.ZipFile; reader: FdReader; size: number }> {
  let reader: FdReader;
  try {
    reader = new FdReader(openSync(file, 'r'));
  } catch (err) {
    throw new GateError('input', `cannot read the advisory archive ${file}: ${messageOf(err)}`, {
      cause: err,
      location: { file },
    });
  }
  try {
    const size = fstatSync(reader.fd).size;
    const zip = await yauzl.fromRandomAccessReaderPromise(reader, size, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: true,
      validateEntrySizes: true,
      strictFileNames: false,
    });
    return { zip, reader, size };
  } catch (err) {
    reader.closeNow();
    throw bad(file, `is not a readable zip archive: ${messageOf(err)}`, err);
  }
}

/**
 * Walks the archive's `*.json` entries in central-directory order: reads, inflates and parses
 * each, and hands it to `take`, which returns what is wrong with the record (an error naming the
 * entry) or undefined.
 */
async function eachRecordEntry(
  file: string,
  maxBytes: number,
  take: (json: unknown) => string | undefined,
): Promise<void> {
  const { zip, reader, size } = await openArchive(file);
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (name.endsWith('/') || !name.toLowerCase().endsWith('.json')) continue;
      const where = `entry ${JSON.stringify(name)}`;
      let text: string;
      try {
        text = readEntry(reader, size, entry, maxBytes);
      } catch (err) {
        throw bad(file, `${where} cannot be read: ${messageOf(err)}`, err);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw bad(file, `${where} is not JSON: ${messageOf(err)}`, err);
      }
      const problem = take(json);
      if (problem !== undefined) throw bad(file, `${where} is not a valid OSV record: ${problem}`);
    }
  } catch (err) {
    if (err instanceof GateError) throw err;
    throw bad(file, `cannot be read: ${messageOf(err)}`, err);
  } finally {
    zip.close(); // closes the descriptor once nothing reads from it any more
  }
}

/**
 * One entry's data as UTF-8 (BOM removed). The local header is read here as yauzl reads it
 * (signature checked, data bounds checked against the file size), through the reader's
 * read-ahead blocks; the bytes are inflated synchronously, the inflated size bounded
 * (`maxOutputLength`: no zip bomb) and checked, with the CRC-32, against the central directory.
 */
function readEntry(
  reader: FdReader,
  fileSize: number,
  entry: yauzl.Entry,
  maxBytes: number,
): string {
  if (entry.isEncrypted()) throw new Error('it is encrypted');
  if (entry.uncompressedSize > maxBytes) {
    throw new Error(`it is ${entry.uncompressedSize} bytes, more than the ${maxBytes} accepted`);
  }
  const at = entry.relativeOffsetOfLocalHeader;
  const header = reader.range(at, 30);
  const signature = header.readUInt32LE(0);
  if (signature !== 0x04034b50) {
    throw new Error(`invalid local file header signature: 0x${signature.toString(16)}`);
  }
  const fileDataStart = at + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (fileDataStart + entry.compressedSize > fileSize) {
    throw new Error(
      `file data overflows file bounds: ${fileDataStart} + ${entry.compressedSize} > ${fileSize}`,
    );
  }
  const raw = reader.range(fileDataStart, entry.compressedSize);
  let data: Buffer;
  if (entry.compressionMethod === 0) data = raw;
  else if (entry.compressionMethod === 8) {
    // An output chunk of the announced size (not zlib's 16 KiB) for each of 100,000 small entries.
    const chunkSize = Math.min(Math.max(entry.uncompressedSize, 64), 1024 * 1024);
    data = inflateRawSync(raw, { maxOutputLength: maxBytes, chunkSize });
  } else throw new Error(`compression method ${entry.compressionMethod} is not supported`);
  if (data.length !== entry.uncompressedSize) {
    throw new Error(
      `it inflates to ${data.length} bytes, the archive says ${entry.uncompressedSize}`,
    );
  }
  if (crc32(data) !== entry.crc32) throw new Error("its CRC-32 does not match the archive's");
  const bom = data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf;
  const text = data.subarray(bom ? 3 : 0);
  // Strict: a lenient decoder turns damaged bytes into U+FFFD, a package name no scan asks for.
  const problem = utf8Problem(text);
  if (problem) throw new Error(problem);
  return text.toString('utf8');
}

/** Bytes read from the file at once; the walk reads the central directory and the entries in order. */
const BLOCK = 1024 * 1024;

/**
 * yauzl's random-access reader over a file descriptor with synchronous reads, through two
 * read-ahead blocks (one follows the central directory, the other the entries' data): a walk of
 * 100,000 entries makes a few hundred reads instead of a few hundred thousand. A thread-pool
 * round trip per read made indexing 100,000 entries take half a minute (measured).
 */
class FdReader extends yauzl.RandomAccessReader {
  private closed = false;
  private blocks: { start: number; bytes: Buffer }[] = [];

  constructor(readonly fd: number) {
    super();
  }

  /** `length` bytes at `position` (a view into a block when it fits one); short reads throw. */
  range(position: number, length: number): Buffer {
    if (length > BLOCK) {
      const buf = Buffer.allocUnsafe(length);
      if (readInto(this.fd, buf, 0, length, position) < length) {
        throw new Error('unexpected end of file');
      }
      return buf;
    }
    const got = this.view(position, length);
    if (got.length < length) throw new Error('unexpected end of file');
    return got;
  }

  /** Up to `length` (at most BLOCK) bytes at `position`, fewer at the end of the file. */
  private view(position: number, length: number): Buffer {
    let block = this.blocks.find(
      (b) => position >= b.start && position + length <= b.start + b.bytes.length,
    );
    if (block === undefined) {
      const buf = Buffer.allocUnsafe(BLOCK);
      const n = readInto(this.fd, buf, 0, BLOCK, position);
      block = { start: position, bytes: buf.subarray(0, n) };
    }
    // Keep this block and the one used before it (the other cursor's).
    const other = this.blocks.at(-1) === block ? this.blocks[0] : this.blocks.at(-1);
    this.blocks = other === undefined || other === block ? [block] : [other, block];
    const from = position - block.start;
    return block.bytes.subarray(from, from + length);
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from([Buffer.from(this.range(start, end - start))]);
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    // yauzl passes (err, bytesRead) and checks bytesRead for a short read; the typings omit it.
    callback: (err: Error | null, bytesRead?: number) => void,
  ): void {
    let bytesRead: number;
    try {
      if (length > BLOCK) bytesRead = readInto(this.fd, buffer, offset, length, position);
      else bytesRead = this.view(position, length).copy(buffer, offset);
    } catch (err) {
      callback(new Error(messageOf(err), { cause: err }));
      return;
    }
    callback(null, bytesRead);
  }

  override close(callback: (err: Error | null) => void): void {
    this.closeNow();
    callback(null);
  }

  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

function readInto(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
