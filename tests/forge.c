/*
 * forge.c -- a dishonest office, for tests/replication.sh.
 *
 * civreg export sends only records the office may write, so an honest
 * commune never sends its neighbour's record.  The import side must
 * refuse one anyway: this program plays a commune with valid keys that
 * builds, by the format of doc/replication.md, a correctly sealed and
 * signed file holding a changed revision of a record that is not its
 * own.  With "codes" instead of a record id it builds an allocation of
 * identity codes (tests/pool.sh): from an office that is not the
 * national one, or from the national office but holding codes it never
 * allocated that way -- a code twice, or one that is not a code.  It
 * writes only the file; the store is opened read-only.
 *
 * usage: forge STORE RECIPIENT RECORD_ID SEQ OUT
 *        forge STORE RECIPIENT codes SEQ OUT CODE...
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

static void
le_add(struct buf *b, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		buf_add_u8(b, (unsigned)(v >> (8 * i)) & 0xff);
}

int
main(int argc, char **argv)
{
	struct repfile_head h;
	struct office_keys own;
	struct office_cert peer;
	struct record r;
	struct store *st;
	struct txn *tx;
	struct cr_err e;
	struct buf v, payload, file;
	FILE *fp;
	int codes, i;

	codes = argc > 6 && strcmp(argv[3], "codes") == 0;
	if (argc != 6 && !codes) {
		fprintf(stderr, "usage: forge STORE RECIPIENT RECORD_ID SEQ OUT\n"
		    "       forge STORE RECIPIENT codes SEQ OUT CODE...\n");
		return 1;
	}
	err_clear(&e);
	buf_init(&v);
	buf_init(&payload);
	buf_init(&file);
	rec_init(&r);
	memset(&h, 0, sizeof h);
	if (crypto_init(&e) != CR_OK || store_open(argv[1], 0, &st, &e) !=
	    CR_OK || store_begin_read(st, &tx, &e) != CR_OK ||
	    keys_own(tx, &own, &e) != CR_OK ||
	    keys_own_chain(tx, h.chain, &h.nchain, &e) != CR_OK ||
	    keys_peer(tx, argv[2], &peer, &e) != CR_OK || (!codes &&
	    (store_get(tx, ST_RECORDS, argv[3], strlen(argv[3]), &v, 0, &e) !=
	    CR_OK || rec_decode(v.data, v.len, &r, &e) != CR_OK))) {
		fprintf(stderr, "forge: %s\n", e.msg);
		return 1;
	}
	store_abort(tx);
	buf_add(&payload, "CP", 2);
	buf_add_u8(&payload, 1);
	le_add(&payload, 0, 8);
	le_add(&payload, 0, 8);
	buf_reset(&v);
	if (codes) {
		/* The codes as given, 12 characters each. */
		for (i = 6; i < argc; i++)
			buf_add(&v, argv[i], strlen(argv[i]));
		buf_add_u8(&payload, 6);	/* identity codes */
		h.kind = RF_ALLOCATION;
	} else {
		/* A new revision of someone else's record, as if ours. */
		rec_set(&r, "name_km", "ក្លែងក្លាយ");
		r.rev++;
		rec_vv_bump(&r, own.office);
		rec_encode(&r, &v);
		buf_add_u8(&payload, 1);	/* a record revision */
		h.kind = RF_CHANGES;
	}
	le_add(&payload, v.len, 4);
	buf_add(&payload, v.data, v.len);
	snprintf(h.sender, sizeof h.sender, "%s", own.office);
	snprintf(h.recipient, sizeof h.recipient, "%s", argv[2]);
	h.seq = strtoull(argv[4], NULL, 10);
	h.created = (int64_t)cr_now();
	keys_id(own.sign_pk, h.sender_id);
	keys_id(peer.sign_pk, h.recipient_id);
	if (repfile_seal(&h, &own, peer.enc_pk, payload.data, payload.len,
	    &file, &e) != CR_OK) {
		fprintf(stderr, "forge: %s\n", e.msg);
		return 1;
	}
	if ((fp = fopen(argv[5], "wb")) == NULL ||
	    fwrite(file.data, 1, file.len, fp) != file.len || fclose(fp) != 0) {
		perror(argv[5]);
		return 1;
	}
	crypto_wipe(&own, sizeof own);
	rec_free(&r);
	buf_free(&v);
	buf_free(&payload);
	buf_free(&file);
	store_close(st);
	return 0;
}
