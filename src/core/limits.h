// Every limit modelvet enforces, in one place. Hitting one is a finding (`needs-review`), never
// a silent stop. Each number says why it is what it is.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mv::limits {

// Containers nested deeper than this are not opened: real models nest at most ~4
// (7z > tar > zip > pickle > nested pickle); deeper is an evasion or a bomb.
inline constexpr int kMaxNestingDepth = 12;
// Total bytes produced by decompression for one top-level file. Model pickles are small; the
// large parts of real models (tensor data) are stored, not compressed, or skipped unread.
inline constexpr uint64_t kMaxExpandedBytes = 4ull << 30;
// Decompressed / compressed ratio above which a stream is treated as a bomb (zip bombs reach
// >1000; deflate of real model data stays below ~20; zeros in numpy arrays reach ~200 per MiB).
inline constexpr uint64_t kMaxExpansionRatio = 1024;
// A single decompressed member kept in memory for analysis (7z entries, nested payloads), and
// the largest single read served from a member decoded on demand. Scans must fit in a 256 MiB
// address space (tests/e2e/test_limits.py), with the decoder, the mapped input and the pickle
// state alongside; gzip/xz/zstd/lz4/zlib wrappers and zip entries are streamed instead
// (formats/common/decode/stream_source.h), so only what genuinely needs to be whole is bounded
// here.
inline constexpr uint64_t kMaxInMemoryMember = 64ull << 20;
// Members decoded on demand (formats/common/decode/stream_source.h) keep the last kStreamWindow
// decoded bytes (+1 MiB slack; parsers look back a little: zip central directories, pickle
// frames) and the first kStreamHead bytes (format sniffing re-reads the head). Each level of a
// gzip-in-gzip chain (up to kMaxNestingDepth) holds one window: 12 x ~5 MiB fits in 256 MiB.
// A read further back re-decodes from the start, at most kMaxStreamRestarts times: tar/zip in
// gzip read their index then the members (1-2 restarts); more is a pathological access pattern.
inline constexpr uint64_t kStreamWindow = 4ull << 20;
inline constexpr uint64_t kStreamHead = 64ull << 10;
inline constexpr uint64_t kMaxStreamRestarts = 8;
// Below this many output bytes the expansion ratio is not enforced: a tiny member of repeated
// bytes (an all-zero 64 KiB tensor) exceeds any ratio harmlessly; bombs need far more output.
inline constexpr uint64_t kExpansionRatioFloor = 1ull << 20;
// Memory a single stream decoder may allocate (xz/lzma dictionaries). Real files use <= 64 MiB
// dictionaries (xz -9); a larger one only makes the decoder itself a memory bomb, and the whole
// scan must fit in 256 MiB of address space.
inline constexpr uint64_t kMaxDecoderMemory = 96ull << 20;
// A zip central directory is read whole (one request over HTTP): 200,000 entries with long
// names stay below 64 MiB.
inline constexpr uint64_t kMaxCentralDirectoryBytes = 64ull << 20;
// Text headers read whole before parsing (npy header dict, tar pax/GNU long-name records).
// numpy itself refuses npy headers above 10,000 bytes unless told otherwise.
inline constexpr uint64_t kMaxHeaderBytes = 1ull << 20;
// Members of one archive examined. Hub repos have < 10,000 files; torch zips hold one per tensor.
inline constexpr uint64_t kMaxArchiveEntries = 200000;
// Directory levels `scan` walks below a directory argument. Model repos and the HF cache nest
// fewer than 10; a deeper tree is not scanned past this (an error entry with a
// `limit.directory-depth` finding), which also bounds the path lengths and the walk's memory.
inline constexpr int kMaxDirectoryDepth = 64;
// Payloads (pickles, configs) analysed per top-level file.
inline constexpr uint64_t kMaxPayloads = 100000;

// Pickle machine budgets. A 7B-parameter state dict pickle executes ~3M opcodes.
inline constexpr uint64_t kMaxPickleSteps = 50'000'000;
inline constexpr uint64_t kMaxPickleStack = 1'000'000;
// Memo entries: a 7B state dict memoises ~1 entry per tensor plus strings (< 100k); each entry
// costs ~64 bytes (hash node + shared_ptr), so 1M stays near 64 MiB.
inline constexpr uint64_t kMaxPickleMemo = 1'000'000;
// Bytes of one string/bytes argument kept in full. Longer values (tensor payloads) are skipped
// by length with only kEvidencePrefix bytes read, and read back from the file only when a
// deserialiser or decoder takes them (up to kMaxDecodedPayload): never read what the verdict
// does not need.
inline constexpr size_t kMaxKeptString = 64 << 10;
inline constexpr size_t kEvidencePrefix = 256;
// Text-line arguments (protocol 0) are read whole to find their end anyway; this much is kept.
inline constexpr size_t kMaxKeptLine = 1 << 20;
// Nested pickles (pickle.loads(b'...')) followed inside one pickle, and their depth.
inline constexpr int kMaxNestedPickleDepth = 8;
// Bytes searched after a pickle's STOP for another pickle hidden behind junk (resync). Junk
// between streams is an evasion, not a format feature; 16 MiB covers any padding seen so far.
inline constexpr uint64_t kMaxResyncScan = 16ull << 20;
// Pickles concatenated in one stream (legacy torch uses 3 plus raw storage bytes).
inline constexpr int kMaxPicklesPerStream = 64;
// Symbolic value size: items rendered in evidence before eliding.
inline constexpr size_t kMaxRenderedItems = 16;
inline constexpr size_t kMaxRenderedChars = 400;
// Calls/imports recorded per pickle stream. A 7B-parameter state dict records ~10k; a trace
// this long is an evasion or a bomb, and would cost gigabytes to keep.
inline constexpr uint64_t kMaxPickleCalls = 1'000'000;
// Resolvers followed one inside another (partial(methodcaller(...)) invoked through map):
// real gadgets nest 2-3; the bound keeps the derived-call walk finite.
inline constexpr int kMaxDerivedCallDepth = 8;
// Items of one map()/apply gadget turned into derived calls; the rest is a limit finding.
inline constexpr size_t kMaxDerivedCallsPerOp = 64;
// Output of one decoder evaluated at analysis time (zlib.decompress(b'...') feeding
// pickle.loads): payloads hidden this way are small; bigger is a decompression bomb.
inline constexpr size_t kMaxDecodedPayload = 64u << 20;

// Non-pickle formats (formats/{gguf,safetensors,onnx,hdf5,json,savedmodel,pycode}).
// A chat template (GGUF tokenizer.chat_template*) is analysed whole up to this size; real ones
// stay below ~100 KiB (tool-calling templates included). Past it, the rest is not analysed: a
// limit finding.
inline constexpr size_t kMaxTemplateBytes = 1 << 20;
// Marshal objects decoded from one code blob; a large Keras lambda holds a few thousand.
inline constexpr uint64_t kMaxMarshalObjects = 1'000'000;
// Marshal container nesting; CPython's own marshal refuses deeper than 2000.
inline constexpr size_t kMaxMarshalDepth = 2000;
// safetensors header: the reference (Rust) loader refuses headers above 100,000,000 bytes.
inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;
// JSON configs read whole (Keras config.json / model_config): real ones stay below ~10 MiB.
inline constexpr uint64_t kMaxConfigBytes = 64ull << 20;
// JSON nesting followed while walking a config; Keras nests models a few dozen levels.
inline constexpr int kMaxJsonDepth = 512;
// Protobuf message nesting (ONNX subgraphs, SavedModel functions); protobuf's own default
// recursion limit is 100.
inline constexpr int kMaxProtoDepth = 100;
// Top-level protobuf fields read while sniffing ONNX / SavedModel: a loader accepts any number
// (repeated metadata_props, functions). Past this many, a file whose fields so far are those of
// an ONNX ModelProto (or a SavedModel) is claimed on that prefix, and the reader reports the
// rest as not checked by the sniffer (a limit finding); it is never set aside as data.
inline constexpr size_t kMaxSniffProtoFields = 1 << 20;
// Strings kept while walking protobuf models (ONNX, SavedModel): names (node, op type, domain,
// attr, function, argument), the node input references built from them ("name:output:0",
// "^ctrl"), and path-like values (constant strings, path attrs, external-data entries). Real
// names stay below ~200 bytes and real paths below PATH_MAX (4096). A longer value is cut, and
// the cut is a limit finding: a lookup through a cut name cannot be trusted.
inline constexpr size_t kMaxKeptProtoName = 1024;
inline constexpr size_t kMaxKeptProtoInput = 2 * kMaxKeptProtoName;
inline constexpr size_t kMaxKeptProtoPath = 4096;
// Nodes followed back from a TensorFlow file op to where its path comes from (Identity chains,
// function arguments to their call sites). The saver's paths cross fewer than 10; past this the
// path is unknown (needs-review) and a limit finding.
inline constexpr int kMaxTfPathTrace = 64;
// Protobuf documents parsed in memory (saved_model.pb, keras_metadata.pb); TF refuses > 2 GiB.
inline constexpr uint64_t kMaxProtoBytes = 2ull << 30;
// HDF5 files handed to libhdf5 as an in-memory image (zero-copy when the source is mapped).
inline constexpr uint64_t kMaxHdf5Bytes = 8ull << 30;
// libhdf5 runs in a child process killed after this long: it can loop on corrupt heaps, and
// reading the root attributes of a real Keras file takes milliseconds. 2 s leaves a wide margin
// on a loaded machine while keeping a hostile file well below libFuzzer's 10 s slow-unit mark
// and its per-input timeout (scripts/fuzz.sh).
inline constexpr int kHdf5TimeoutMs = 2'000;
// Observations of one kind kept per payload (a SavedModel lists every op of every node).
inline constexpr size_t kMaxObservationsPerPayload = 10000;
// Findings kept per (rule, callable) in one file's report: a payload that calls os.system a
// million times is as unsafe after 20 findings; the rest are counted in one note line.
inline constexpr size_t kMaxFindingsPerRule = 20;

// Per-file wall-clock budget in milliseconds (0 = none). A budget hit is a finding.
inline constexpr uint64_t kDefaultFileTimeBudgetMs = 120'000;

// Remote reading (hub/http_source). Bytes are fetched in 1 KiB blocks: a zip member's local
// header costs one block, so a 1 GiB torch zip with hundreds of tensors costs well under 0.1%
// of its bytes. Reads that continue where the last transfer ended double a read-ahead window
// (1, 2, 4 … blocks, at most kHttpMaxReadaheadBlocks = 1 MiB per request), so a pickle or a
// central directory parsed front to back costs few requests.
inline constexpr size_t kHttpBlockSize = 1 << 10;
inline constexpr size_t kHttpMaxReadaheadBlocks = 1024;
// Blocks cached per open remote file (4096 x 1 KiB = 4 MiB): a zip's central directory and the
// pickle being parsed stay resident while tensors are skipped.
inline constexpr size_t kHttpCacheBlocks = 4096;
// Body kept in memory when a server ignores Range and sends the whole file; above this the
// file is not read (error) rather than downloading an unbounded body into memory.
inline constexpr uint64_t kHttpMaxFallbackBody = 512ull << 20;
// Largest single Read on a remote source (one scratch buffer).
inline constexpr uint64_t kHttpMaxSingleRead = 256ull << 20;
// Largest JSON body accepted from the hub API (a tree page of 1,000 expanded entries is ~2 MiB;
// the model info of a 10,000-file repo ~1 MiB).
inline constexpr uint64_t kHttpMaxApiBody = 32ull << 20;
// Bytes of all pages of one paginated listing (a repo's tree, a model listing): what is kept
// grows with them, so their total is bounded, not only the entry count. 64 MiB holds ~30,000
// expanded tree entries; model repos hold tens to a few thousand files.
inline constexpr uint64_t kMaxHubListingBytes = 64ull << 20;
// Nesting of arrays/objects in a hub API reply, checked before parsing. Real replies nest < 8
// levels; deeper documents are refused so nothing recurses on attacker-chosen depth.
inline constexpr size_t kMaxHubJsonDepth = 64;
// Redirect hops followed for one request (the hub uses 1-2: resolve -> CDN).
inline constexpr int kHttpMaxRedirects = 8;

// Files of one hub repo scanned by `modelvet audit`. Model repos hold tens of files; the largest
// (sharded checkpoints, many ONNX/GGUF variants) a few thousand. Files past this are recorded as
// not analysed, which keeps the model `suspected` (fail closed), never `no-findings`.
inline constexpr size_t kMaxAuditFiles = 5000;

// `modelvet inventory` (inventory/): reading an application's source tree.
// Files visited in one tree; a monorepo with vendored code stays well below a million.
inline constexpr uint64_t kMaxInventoryFiles = 1'000'000;
// A source file (code, notebook, config, script) read whole for references. Hand-written
// sources stay below ~1 MiB; larger ones are generated or minified bundles (reported, not
// read). A 2 MiB file of nothing but calls costs ~150 MiB and a few seconds to read.
inline constexpr uint64_t kMaxInventorySourceBytes = 2ull << 20;
// Tokens of one source file: 2 MiB of dense code holds ~1M; each token costs 20 bytes plus the
// expressions built from it.
inline constexpr size_t kMaxInventoryTokens = 1'000'000;
// Brackets, f-string/template nesting and expression nesting followed by the readers (CPython
// refuses more than 200 nested parentheses; real code nests a dozen). Deeper is an evasion.
inline constexpr int kMaxInventoryNesting = 200;
// f-strings and template literals nested inside each other's replacement fields.
inline constexpr int kMaxInventoryStringNesting = 16;
// Steps of following one id through assignments (a = b; b = c; …) and possible values kept for
// one expression (branches, conditional expressions, `or` defaults multiply them).
inline constexpr int kMaxInventoryResolveDepth = 24;
inline constexpr size_t kMaxInventoryValues = 64;
// Evaluation steps spent on one file's references (keeps crafted assignment graphs linear).
inline constexpr uint64_t kMaxInventoryEvalSteps = 2'000'000;
// Directory nesting followed by the tree walk (links to directories are never followed).
inline constexpr int kMaxInventoryDirDepth = 64;

// `modelvet reproduce` (src/reproduce): the sandboxed load of a model. Defaults; each has a flag.
// CPU seconds of each process the load starts (RLIMIT_CPU): importing torch and loading a few
// GB of tensors takes < 20 s of CPU; an endless loop ends here.
inline constexpr int kReproduceCpuSeconds = 60;
// Wall-clock seconds for the whole sandbox, after which every process in it is killed: covers
// payloads that sleep or wait, and processes left behind by the load.
inline constexpr int kReproduceWallSeconds = 120;
// Address space of each process (RLIMIT_AS). Importing torch maps ~650 MiB; loading a model
// needs its size on top. A memory bomb stops here with MemoryError.
inline constexpr uint64_t kReproduceMemoryBytes = 4ull << 30;
// Processes of the sandbox user (RLIMIT_NPROC, counted inside the sandbox's user namespace):
// torch starts a thread per core; a fork bomb stops here.
inline constexpr int kReproduceProcesses = 256;
// Each private tmpfs (/tmp, HOME, /dev/shm, /var/tmp) and the largest file a process may write
// (RLIMIT_FSIZE): what a payload writes is evidence, not data to keep.
inline constexpr uint64_t kReproduceTmpfsBytes = 64ull << 20;
// System-call trace kept per run. A load traces ~3,000 lines (~1 MiB); a payload that loops
// over system calls is stopped here rather than filling the disk.
inline constexpr uint64_t kReproduceMaxTraceBytes = 256ull << 20;
// After the load returns, while threads or an alarm the file started are still pending, the
// harness waits up to this long before the interpreter exits, so that they can act as they
// would in a program that keeps running (atexit handlers and non-daemon threads run at exit
// anyway; a load that started nothing does not wait). A payload that waits longer is not seen.
inline constexpr int kReproduceLingerMs = 3000;
// Output kept from the sandbox's stdout/stderr and from the harness's report pipe.
inline constexpr uint64_t kReproduceMaxOutputBytes = 1ull << 20;
// Observations kept per run; the rest are counted in one line.
inline constexpr size_t kReproduceMaxObservations = 200;
// `audit --reproduce` downloads a hub file whole before loading it in the sandbox; larger files
// are not reproduced (a note says so) rather than filling the disk.
inline constexpr uint64_t kReproduceMaxDownloadBytes = 4ull << 30;
// A model only root can read is copied for the unprivileged sandbox user up to this size;
// larger ones must be made readable (never run as root instead).
inline constexpr uint64_t kReproduceMaxCopyBytes = 8ull << 30;

// `modelvet serve` (server/). A request body above this is refused (413): the largest is a
// review (a note of kMaxReviewNoteBytes plus a path and form fields).
inline constexpr size_t kServerMaxRequestBody = 64 << 10;
// Reading a request and writing a response each get this long; a keep-alive connection idle
// this long is closed (each connection holds one worker thread while open).
inline constexpr int kServerIoTimeoutSeconds = 5;
inline constexpr size_t kServerKeepAliveRequests = 100;
// Worker threads answering requests (each holds one store connection), and accepted
// connections waiting for a worker; the acceptor blocks when this queue is full.
inline constexpr size_t kServerDefaultThreads = 8;
inline constexpr size_t kServerMaxThreads = 64;
inline constexpr size_t kServerConnectionQueue = 256;
// Rows per page of the models table (API `limit`, web app pages).
inline constexpr uint64_t kServerMaxPageSize = 500;
inline constexpr uint64_t kServerDefaultPageSize = 50;
// A search text longer than a repo id (96 characters on the hub) cannot match; longer ones
// are refused rather than scanned.
inline constexpr size_t kServerMaxSearchBytes = 256;
// A reviewer's note (the "why" of every decision).
inline constexpr size_t kMaxReviewNoteBytes = 4000;
// Audits queued by POST /api/v1/audits (one runs at a time: an audit reads remote files and
// uses a core); more is 503 with Retry-After. Finished jobs remembered for GET.
inline constexpr size_t kServerAuditQueue = 16;
inline constexpr size_t kServerAuditJobsKept = 256;
// Password hashes (Argon2id, 64 MiB each at libsodium's interactive cost) computed at once;
// more logins wait, so a burst of logins cannot exhaust memory.
inline constexpr size_t kServerConcurrentPasswordHashes = 2;
// A login session lasts this long (absolute; sign in again afterwards).
inline constexpr int kSessionLifetimeSeconds = 12 * 3600;

}  // namespace mv::limits
