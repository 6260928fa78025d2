/*
 * fuzz.h -- the replication-file fuzz harness (tests/fuzz/).
 *
 * fuzz_repfile.c holds LLVMFuzzerTestOneInput: libFuzzer links it with
 * its own main (./configure --enable-fuzz CC=clang, make fuzz-run);
 * replay.c gives it a plain main that feeds it every file of the seed
 * corpus (make check).  fuzzkeys.c holds the fixed test offices the
 * harness and mkseeds.c share: national 00, province 12, commune 120105,
 * with published RFC 8032 / RFC 7748 test keys.  Test keys only.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "civreg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What one input reached; replay.c checks it for the valid-* seeds. */
#define FZ_VERIFIED	0x01	/* repfile_verify: header, chain, signature */
#define FZ_OPENED	0x02	/* repfile_open: decrypted */
#define FZ_PAYLOAD	0x04	/* repfile_payload walked to the end */
#define FZ_KEYFILE	0x08	/* keys_chain_decode */
#define FZ_SEALED	0x10	/* the SEAL round trip */
int	fuzz_one(const uint8_t *, size_t);	/* returns FZ_* bits */

/* Magic of a harness-only input: seal the rest, then read it back. */
#define FUZZ_SEAL	"SEAL"
#define FUZZ_SEAL_LEN	4

enum { FZ_NATIONAL, FZ_PROVINCE, FZ_COMMUNE, FZ_NOFFICES };
struct fuzz_office {
	struct office_keys	keys;
	struct office_cert	cert;	/* certified by its issuer */
};
extern struct fuzz_office fuzz_offices[FZ_NOFFICES];

void	fuzz_init(void);		/* once: crypto_init, keys, certs */
/* A header from office `from` (its chain up to 00) to office `to`. */
void	fuzz_head(int from, int to, int kind, uint64_t seq,
	    struct repfile_head *);
/* The test office named by a header's recipient (else province 12). */
const struct office_keys *fuzz_keys_for(const char *office);

#endif
