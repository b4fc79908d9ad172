/*
 * opes/plugin.h - the OPES-SMTP plugin ABI, version 1.0.
 *
 * A plugin is a shared object that exports one C function,
 * `opes_plugin_entry`, returning a versioned descriptor of the adaptation
 * services it provides. The callout server (the host) loads it with dlopen,
 * checks the version, and drives each service through the function pointers
 * below. Nothing else crosses the boundary: no C++ types, no exceptions, no
 * memory that one side allocates and the other frees.
 *
 * The model follows the SMTP profile of OCP (draft-ietf-opes-smtp-00 §3)
 * without depending on OCP: a transaction is one SMTP mail transaction, its
 * data arrives as application message parts ("am-parts": MAIL, RCPT,
 * RAWDATA, ...), and a service answers each part it adapts the way an OCP
 * callout server answers a DUM (§3.3): keep it, replace its content, reject
 * it with an SMTP reply (SMTP-Error), add header fields (Add-Header), and
 * advise Discard or Quarantine (Advice).
 *
 * ---------------------------------------------------------------------------
 * VERSIONING
 *
 *   The host accepts a plugin when its descriptor's abi_major equals the
 *   host's OPES_PLUGIN_ABI_MAJOR and its abi_minor is not greater than the
 *   host's OPES_PLUGIN_ABI_MINOR. A minor version only appends members at
 *   the end of the structures marked "extensible" below (never in the
 *   middle, never changing a type), so:
 *     - the host reads a plugin's descriptors only up to the members of the
 *       plugin's minor version;
 *     - a plugin reads host structures only up to the members of its own
 *       minor version, which the host (same or newer minor) always has.
 *   Structures marked "frozen" never change within a major version.
 *   `abi_major` and `abi_minor` stay the first two members of
 *   opes_plugin_descriptor in every version, so any host can read them.
 *
 * LIFECYCLE (per service)
 *
 *   create ─► begin ─► part* ─► end_of_message ─► release ─► ... ─► destroy
 *                          └──► abort ──────────► release
 *
 *   - create: one service instance from a configuration (JSON text). May be
 *     called several times (several configured instances of one service).
 *   - begin: one SMTP transaction. The host then delivers its parts in SMTP
 *     order; each part in one or more chunks, the last one flagged.
 *   - end_of_message: every part has been delivered; the last chance to
 *     answer content parts.
 *   - abort: the host abandons the transaction (RSET, QUIT, a peer failure,
 *     a host limit, a refused answer); answers are no longer accepted.
 *     Optional (may be NULL).
 *   - release: frees the transaction. Called exactly once for every
 *     transaction that begin returned, after end_of_message, after abort, or
 *     directly after a function of the transaction returned OPES_ERROR.
 *   - destroy: frees the instance; the host releases all its transactions
 *     first.
 *
 * ANSWERS
 *
 *   Every delivered part has a part_index, counted from 0 in delivery order
 *   (chunks of one part share it). A service answers an adaptive part by
 *   calling the opes_host_api answer functions with that index. A part with
 *   no answer is kept as it is. Answers may be given from the first chunk
 *   of a part until the part is settled:
 *     - command parts (EHLO HELO MAIL RCPT VRFY EXPN and extension commands)
 *       settle when the call delivering their (only) chunk returns, because
 *       the SMTP client is waiting for the reply to that command
 *       (ocp-digest A-28);
 *     - content parts (RAWDATA ALLHEADERS SINGLEHEADERS BODY SECTIONS)
 *       settle when end_of_message returns.
 *   Answer functions may only be called from inside a host call on the same
 *   transaction (part, end_of_message), on the calling thread. The chunk's
 *   `allow` says which of reject / add_header / advise the processor accepts
 *   for the part (draft §3.3.2 Allow); the host refuses the others.
 *
 * ERRORS
 *
 *   A plugin function that fails returns OPES_ERROR (or NULL) after giving
 *   the reason with service_error / transaction_error. A failed transaction
 *   is a transaction failure for the host (the dispatcher's policy decides
 *   what the SMTP client sees); the service instance and its other
 *   transactions carry on. An answer function returns OPES_ERROR when the
 *   host refuses the answer (malformed SMTP reply, part not adaptive,
 *   limit exceeded); the host has then already marked the transaction
 *   failed, and the plugin should return OPES_ERROR from its current call.
 *
 * MEMORY AND STRINGS
 *
 *   - Pointers passed host -> plugin (config, chunks, metadata, part names)
 *     are borrowed for the duration of the call; copy what you keep.
 *   - Pointers passed plugin -> host through answer / error / log functions
 *     are borrowed for the duration of that call; the host copies.
 *   - Descriptor strings and arrays must stay valid while the shared object
 *     is loaded (static storage).
 *   - Neither side ever frees memory the other side allocated; service
 *     instances and transactions are freed by the plugin's own destroy and
 *     release.
 *   - `const char*` without a size is a NUL-terminated ASCII string; every
 *     (data, size) pair may hold any octets, NUL included, and need not be
 *     NUL-terminated.
 *
 * THREADS
 *
 *   Calls on one transaction are never concurrent. The host may run
 *   different transactions of one instance on different threads at the same
 *   time, so a service instance must treat its state as read-only after
 *   create (or protect it). create and destroy are not concurrent with any
 *   other call on the same instance. Functions may block; the host runs
 *   them on worker threads.
 *
 * NO EXCEPTIONS
 *
 *   Every function a plugin exposes must return normally: a C++ exception
 *   reaching the host is undefined behaviour. The C++ SDK (opes/plugin.hpp)
 *   catches them at the boundary and turns them into OPES_ERROR.
 * ---------------------------------------------------------------------------
 */
#ifndef OPES_PLUGIN_H
#define OPES_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OPES_PLUGIN_ABI_MAJOR 1
#define OPES_PLUGIN_ABI_MINOR 0

/* The one symbol a plugin exports (with default visibility). */
#define OPES_PLUGIN_ENTRY_SYMBOL "opes_plugin_entry"

#if defined(__GNUC__) || defined(__clang__)
#define OPES_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define OPES_PLUGIN_EXPORT
#endif

/* Return value of functions that can fail. */
typedef int32_t opes_status;
#define OPES_OK 0
#define OPES_ERROR 1

/* Service flags. */
/* Deliver each content part as one chunk: the host buffers its chunks (up to
 * a configured limit) instead of streaming them. For services that must see
 * a whole part at once, such as a body rewriter. Command parts are always
 * delivered in one chunk. */
#define OPES_SERVICE_WHOLE_PARTS 0x1u

/* Advice values (draft §3.3.4 leaves Advice undefined; ocp-digest A-25). */
#define OPES_ADVICE_DISCARD 1
#define OPES_ADVICE_QUARANTINE 2

/* What the processor accepts in answers to a part (draft §3.3.2 Allow):
 * without OPES_ALLOW_SMTP_ERROR the host refuses reject, without
 * OPES_ALLOW_ADVICE advise, without OPES_ALLOW_ADD_HEADER add_header.
 * keep and replace are always accepted for an adaptive part. */
#define OPES_ALLOW_SMTP_ERROR 0x1u
#define OPES_ALLOW_ADVICE 0x2u
#define OPES_ALLOW_ADD_HEADER 0x4u

/* Log levels. */
#define OPES_LOG_ERROR 0
#define OPES_LOG_WARNING 1
#define OPES_LOG_INFO 2
#define OPES_LOG_DEBUG 3

/* Well-known transaction metadata keys (values are text). A host sends the
 * ones it knows; a service must cope with any of them missing. */
#define OPES_META_CLIENT_ADDRESS "client-address" /* IP literal of the SMTP client */
#define OPES_META_HELO "helo"                     /* HELO/EHLO argument */
#define OPES_META_TLS "tls"                       /* "yes" or "no" */
#define OPES_META_AUTH "auth"                     /* authenticated identity; absent if none */
#define OPES_META_TRANSACTION_ID "transaction-id" /* host's id, for logs */

/* Opaque handles. The plugin defines what the first two point to, the host
 * what the last two point to; neither side looks inside the other's. */
typedef struct opes_service_instance opes_service_instance;
typedef struct opes_transaction opes_transaction;
typedef struct opes_host_service opes_host_service;
typedef struct opes_host_transaction opes_host_transaction;

/* One metadata item. Frozen (it is passed in arrays). */
typedef struct opes_metadata_entry {
  const char* key;
  const char* value;
} opes_metadata_entry;

/* What begin learns about the SMTP transaction. Extensible. */
typedef struct opes_transaction_info {
  const opes_metadata_entry* metadata;
  size_t metadata_count;
} opes_transaction_info;

/* One chunk of an am-part. Extensible. */
typedef struct opes_part_chunk {
  uint32_t part_index;   /* n-th part of the transaction, from 0 */
  const char* part_name; /* "RCPT", "RAWDATA", ... (draft §3.1) */
  const char* data;      /* the chunk's octets (see ocp-digest A-20 for */
  size_t size;           /*   what MAIL, RCPT and RAWDATA contain) */
  int32_t last;          /* non-zero on the last chunk of the part */
  int32_t adaptive;      /* non-zero if the service may answer this part */
  uint32_t allow;        /* OPES_ALLOW_* accepted for this part */
} opes_part_chunk;

/* Functions the host provides. Extensible. Answer functions return OPES_OK,
 * or OPES_ERROR when the host refuses the answer (see ERRORS). */
typedef struct opes_host_api {
  uint32_t abi_major;
  uint32_t abi_minor;

  /* Diagnostics, attributed to the service instance; when called from inside
   * a host call on a transaction (begin, part, end_of_message, abort), also
   * to that transaction (the host logs its OPES_META_TRANSACTION_ID). The
   * host escapes the text: it cannot end or forge a log line. */
  void (*log)(opes_host_service* service, int32_t level, const char* text, size_t size);
  /* Why create failed (typically: what is wrong with the configuration). */
  void (*service_error)(opes_host_service* service, const char* text, size_t size);
  /* Why a transaction function failed; the first reason given is kept. */
  void (*transaction_error)(opes_host_transaction* tx, const char* text, size_t size);

  /* Keep the part as it is (the default); drops an earlier replace or
   * reject of the part. */
  opes_status (*keep)(opes_host_transaction* tx, uint32_t part_index);
  /* Replace the part's content. The first call after another verdict starts
   * an empty replacement; every call appends, so a streaming service can
   * emit the new content in pieces. size 0 is allowed. */
  opes_status (*replace)(opes_host_transaction* tx, uint32_t part_index, const char* data,
                         size_t size);
  /* Reject the part with an SMTP reply (draft §3.3.3 SMTP-Error): RFC 5321
   * §4.2 syntax, code 4yz or 5yz, multi-line replies joined with CRLF, no
   * final CRLF. Example: "550 5.7.1 Message content rejected". */
  opes_status (*reject)(opes_host_transaction* tx, uint32_t part_index, const char* reply,
                        size_t size);
  /* Add one header field to the message (draft §3.3.5 Add-Header), attached
   * to the answer of this part: "Name: value", RFC 5322 §2.2 syntax, folded
   * lines allowed, no final CRLF. Call again for several fields. */
  opes_status (*add_header)(opes_host_transaction* tx, uint32_t part_index, const char* field,
                            size_t size);
  /* Advise what to do with the message (OPES_ADVICE_*); the last one wins. */
  opes_status (*advise)(opes_host_transaction* tx, uint32_t part_index, int32_t advice);
} opes_host_api;

/* One adaptation service. Extensible; referenced through an array of
 * pointers so that it can grow. */
typedef struct opes_service_descriptor {
  const char* name; /* unique within the plugin: [A-Za-z0-9._-]+ */
  const char* uri;  /* the OCP service id (RFC 4037 §10.12) */

  /* The am-parts the service adapts (may answer) and only reads (draft
   * §3.2.3, §3.2.4). Same rules as an OCP NR: no part in both lists, no
   * mutually exclusive parts (§3.2.1), never DATA, RSET or QUIT. */
  const char* const* adaptive_parts;
  size_t adaptive_part_count;
  const char* const* informative_parts;
  size_t informative_part_count;
  /* Header field names for SINGLEHEADERS, "*" for all (draft §3.2.5);
   * required with SINGLEHEADERS, forbidden without it. */
  const char* const* header_list;
  size_t header_list_count;

  uint32_t flags; /* OPES_SERVICE_* */

  /* Returns NULL (after service_error) if the configuration is refused.
   * `host` and `host_service` stay valid until destroy. */
  opes_service_instance* (*create)(const opes_host_api* host, opes_host_service* host_service,
                                   const char* config, size_t config_size);
  void (*destroy)(opes_service_instance* instance);

  /* Returns NULL (after transaction_error) on failure. `host_tx` stays valid
   * until release. */
  opes_transaction* (*begin)(opes_service_instance* instance, opes_host_transaction* host_tx,
                             const opes_transaction_info* info);
  opes_status (*part)(opes_transaction* tx, const opes_part_chunk* chunk);
  opes_status (*end_of_message)(opes_transaction* tx);
  void (*abort)(opes_transaction* tx); /* may be NULL */
  void (*release)(opes_transaction* tx);
} opes_service_descriptor;

/* What the entry point returns. Extensible after the first two members. */
typedef struct opes_plugin_descriptor {
  uint32_t abi_major; /* OPES_PLUGIN_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor; /* OPES_PLUGIN_ABI_MINOR the plugin was built with */
  const char* name;
  const char* version;
  const opes_service_descriptor* const* services;
  size_t service_count;
} opes_plugin_descriptor;

/* The entry point: returns the plugin's descriptor (static storage, the
 * same pointer on every call), or NULL if the plugin cannot run. Must not
 * have side effects the host would need to undo. */
typedef const opes_plugin_descriptor* (*opes_plugin_entry_fn)(void);
OPES_PLUGIN_EXPORT const opes_plugin_descriptor* opes_plugin_entry(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* OPES_PLUGIN_H */
