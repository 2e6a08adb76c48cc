/** Advisory sources: OSV export directory, osv.dev all.zip, OSV-compatible API. */
export { DEFAULT_OSV_API, MAX_BATCH, osvApi, type OsvApiOptions } from './api.js';
export { osvDir, type OsvDirOptions } from './dir.js';
export { osvZip, type OsvZipOptions } from './zip.js';
export { checkRecord, osvRecordSchema } from './record-schema.js';
export { packageKey, type AdvisorySource, type SourceDescription } from './source.js';
