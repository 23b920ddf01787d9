/* Commit loop (optimistic concurrency), commitInfo, in-commit timestamps,
 * writer protocol checks and the lowest-protocol helper.
 * Spec: PROTOCOL.md "Table Features", "Commit Provenance Information",
 * "In-Commit Timestamps"; the commit primitive is put-if-absent of
 * _delta_log/<v>.json (never check-then-write). */
#include "log/txn.h"
#include "log/ckpt_write.h"
#include "log/ckpt.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool dlt_log__ict_enabled(const dlt_snapshot *s);

/* ------------------------------------------------------------- uuid -- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void dlt_log__uuid(char *buf)
{
	static atomic_uint_fast64_t counter;
	uint64_t seed = (uint64_t)dlt_now_ns() ^ ((uint64_t)getpid() << 32) ^
	                (uint64_t)(uintptr_t)buf ^
	                (atomic_fetch_add(&counter, 1) * 0xd1b54a32d192ed03ULL);
	uint64_t hi = splitmix(&seed), lo = splitmix(&seed);
	hi = (hi & ~0xf000ULL) | 0x4000ULL;                    /* version 4 */
	lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; /* variant 10 */
	snprintf(buf, 37, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
	         hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & (uint64_t)0xffffffffffff);
}

/* --------------------------------------------------------- protocol -- */

const char *const dlt_log__supported_writer_features[] = {
	"appendOnly", "invariants", "checkConstraints", "changeDataFeed", "generatedColumns",
	"columnMapping", "deletionVectors", "timestampNtz", "v2Checkpoint", "inCommitTimestamp",
	"domainMetadata", "typeWidening", "typeWidening-preview", "vacuumProtocolCheck", NULL
};

static bool supported_writer(const char *f)
{
	for (size_t i = 0; dlt_log__supported_writer_features[i]; i++)
		if (strcmp(f, dlt_log__supported_writer_features[i]) == 0)
			return true;
	return false;
}

int dlt_log__check_writer_protocol(const dlt_log_protocol *p, const dlt_log_metadata *md,
                                   dlt_error *err)
{
	int rc;
	if (p->min_writer_version < 1 || p->min_writer_version > 7)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "table needs writer version %d; deltalite "
		                     "writes versions 1 to 7", (int)p->min_writer_version);
	if ((rc = dlt_log__check_reader_protocol(p, err)) < 0)
		return rc;
	if (p->min_writer_version == 7) {
		for (size_t i = 0; i < p->n_writer_features; i++)
			if (!supported_writer(p->writer_features[i]))
				return dlt_error_set(err, DLT_EUNSUPPORTED, "table needs writer feature "
				                     "'%s', which deltalite does not support for writing",
				                     p->writer_features[i]);
	} else if (p->min_writer_version == 6 && md && md->schema_string &&
	           strstr(md->schema_string, "delta.identity.")) {
		return dlt_error_set(err, DLT_EUNSUPPORTED, "table uses identity columns (writer "
		                     "version 6), which deltalite does not support for writing");
	}
	return DLT_OK;
}

void dlt_log__protocol_dispose(dlt_log_protocol_owned *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->reader && i < p->p.n_reader_features; i++)
		dlt_free(p->reader[i]);
	for (size_t i = 0; p->writer && i < p->p.n_writer_features; i++)
		dlt_free(p->writer[i]);
	dlt_free(p->reader);
	dlt_free(p->writer);
	memset(p, 0, sizeof(*p));
}

typedef struct feat {
	const char *name;
	int reader, writer; /* legacy minimum versions; 0: table feature only */
	bool rw;            /* reader-writer feature */
} feat;

static const feat kFeatures[] = {
	{ "appendOnly", 1, 2, false },      { "invariants", 1, 2, false },
	{ "checkConstraints", 1, 3, false }, { "changeDataFeed", 1, 4, false },
	{ "generatedColumns", 1, 4, false }, { "columnMapping", 2, 5, true },
	{ "identityColumns", 1, 6, false },  { "deletionVectors", 0, 0, true },
	{ "timestampNtz", 0, 0, true },      { "v2Checkpoint", 0, 0, true },
	{ "typeWidening", 0, 0, true },      { "typeWidening-preview", 0, 0, true },
	{ "vacuumProtocolCheck", 0, 0, true }, { "variantType", 0, 0, true },
	{ "variantType-preview", 0, 0, true }, { "inCommitTimestamp", 0, 0, false },
	{ "domainMetadata", 0, 0, false },  { "rowTracking", 0, 0, false },
	{ "clustering", 0, 0, false },      { "allowColumnDefaults", 0, 0, false },
	{ "checkpointProtection", 0, 0, false },
};

static const feat *find_feat(const char *n)
{
	for (size_t i = 0; i < sizeof(kFeatures) / sizeof(kFeatures[0]); i++)
		if (strcmp(kFeatures[i].name, n) == 0)
			return &kFeatures[i];
	return NULL;
}

typedef struct fset {
	const char *v[64];
	size_t n;
} fset;

static void fs_add(fset *s, const char *n)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], n) == 0)
			return;
	if (s->n < 64)
		s->v[s->n++] = n;
}

static bool conf_true(const dlt_log_kvs *c, const char *k)
{
	bool found;
	const char *v = c ? dlt_log__kvs_get(c, k, &found) : NULL;
	return v && strcmp(v, "true") == 0;
}

static const char *conf_get(const dlt_log_kvs *c, const char *k)
{
	bool found;
	return c ? dlt_log__kvs_get(c, k, &found) : NULL;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = dlt_strdup(s);
	if (!d)
		*oom = true;
	return d;
}

int dlt_log__protocol_required(dlt_log_protocol_owned *out, bool *changed,
                               const dlt_log_protocol *current, const dlt_log_kvs *config,
                               const char *schema_json, const char *const *extra,
                               size_t n_extra, dlt_error *err)
{
	fset fs = { { NULL }, 0 };
	int r = current ? current->min_reader_version : 1;
	int w = current ? current->min_writer_version : 2;
	bool tf, oom = false;
	const char *v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (changed)
		*changed = false;
	/* what the current protocol already supports */
	if (current && current->min_writer_version == 7) {
		for (size_t i = 0; i < current->n_writer_features; i++)
			fs_add(&fs, current->writer_features[i]);
	} else if (current) {
		for (size_t i = 0; i < sizeof(kFeatures) / sizeof(kFeatures[0]); i++)
			if (kFeatures[i].writer && kFeatures[i].writer <= current->min_writer_version &&
			    kFeatures[i].reader <= current->min_reader_version)
				fs_add(&fs, kFeatures[i].name);
	}
	if (current && current->min_reader_version == 3)
		for (size_t i = 0; i < current->n_reader_features; i++)
			fs_add(&fs, current->reader_features[i]);
	/* what the properties and the schema need */
	if (conf_true(config, "delta.appendOnly"))
		fs_add(&fs, "appendOnly");
	if (conf_true(config, "delta.enableChangeDataFeed"))
		fs_add(&fs, "changeDataFeed");
	if ((v = conf_get(config, "delta.columnMapping.mode")) &&
	    (strcmp(v, "name") == 0 || strcmp(v, "id") == 0))
		fs_add(&fs, "columnMapping");
	if (conf_true(config, "delta.enableDeletionVectors"))
		fs_add(&fs, "deletionVectors");
	if ((v = conf_get(config, "delta.checkpointPolicy")) && strcmp(v, "v2") == 0)
		fs_add(&fs, "v2Checkpoint");
	if (conf_true(config, "delta.enableInCommitTimestamps"))
		fs_add(&fs, "inCommitTimestamp");
	if (conf_true(config, "delta.enableTypeWidening"))
		fs_add(&fs, "typeWidening");
	if (conf_true(config, "delta.enableRowTracking"))
		fs_add(&fs, "rowTracking");
	for (size_t i = 0; config && i < config->n; i++) {
		const char *k = config->kv[i].key, *val = config->kv[i].value;
		if (strncmp(k, "delta.constraints.", 18) == 0)
			fs_add(&fs, "checkConstraints");
		if (strncmp(k, "delta.feature.", 14) == 0 && k[14] && val &&
		    (strcmp(val, "supported") == 0 || strcmp(val, "enabled") == 0))
			fs_add(&fs, k + 14);
		if (strcmp(k, "delta.minReaderVersion") == 0 && val)
			r = DLT_MAX(r, atoi(val));
		if (strcmp(k, "delta.minWriterVersion") == 0 && val)
			w = DLT_MAX(w, atoi(val));
	}
	if (schema_json) {
		if (strstr(schema_json, "delta.invariants"))
			fs_add(&fs, "invariants");
		if (strstr(schema_json, "delta.generationExpression"))
			fs_add(&fs, "generatedColumns");
		if (strstr(schema_json, "delta.identity."))
			fs_add(&fs, "identityColumns");
		if (strstr(schema_json, "\"timestamp_ntz\""))
			fs_add(&fs, "timestampNtz");
	}
	for (size_t i = 0; extra && i < n_extra; i++)
		if (extra[i])
			fs_add(&fs, extra[i]);
	if (r < 1 || r > 3 || w < 1 || w > 7)
		return dlt_error_set(err, DLT_EUNSUPPORTED, "protocol (%d, %d) is not supported", r, w);
	/* legacy versions when every feature has one */
	tf = w == 7 || r == 3;
	for (size_t i = 0; i < fs.n && !tf; i++) {
		const feat *f = find_feat(fs.v[i]);
		if (!f || f->writer == 0)
			tf = true;
	}
	if (!tf) {
		for (size_t i = 0; i < fs.n; i++) {
			const feat *f = find_feat(fs.v[i]);
			r = DLT_MAX(r, f->reader);
			w = DLT_MAX(w, f->writer);
		}
		out->p.min_reader_version = r;
		out->p.min_writer_version = w;
	} else {
		bool need_r3 = r == 3;
		/* features implied by legacy versions must be listed explicitly */
		for (size_t i = 0; i < sizeof(kFeatures) / sizeof(kFeatures[0]); i++)
			if (kFeatures[i].writer && kFeatures[i].writer <= w &&
			    kFeatures[i].reader <= r && w < 7)
				fs_add(&fs, kFeatures[i].name);
		for (size_t i = 0; i < fs.n; i++) {
			const feat *f = find_feat(fs.v[i]);
			if (f && f->rw && f->writer == 0)
				need_r3 = true;
			if (f && f->rw && f->reader > r)
				r = f->reader;
		}
		out->p.min_writer_version = 7;
		out->p.has_writer_features = true;
		if (!(out->writer = dlt_calloc(fs.n + 1, sizeof(char *))))
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		for (size_t i = 0; i < fs.n; i++)
			out->writer[out->p.n_writer_features++] = dup_or_null(fs.v[i], &oom);
		if (need_r3) {
			r = 3;
			out->p.has_reader_features = true;
			if (!(out->reader = dlt_calloc(fs.n + 1, sizeof(char *))))
				oom = true;
			for (size_t i = 0; out->reader && i < fs.n; i++) {
				const feat *f = find_feat(fs.v[i]);
				if (f && f->rw)
					out->reader[out->p.n_reader_features++] = dup_or_null(fs.v[i], &oom);
			}
		}
		out->p.min_reader_version = r;
		out->p.reader_features = (const char *const *)out->reader;
		out->p.writer_features = (const char *const *)out->writer;
		if (oom) {
			dlt_log__protocol_dispose(out);
			return dlt_error_set(err, DLT_ENOMEM, "out of memory");
		}
	}
	if ((rc = dlt_log__check_writer_protocol(&out->p, NULL, err)) < 0) {
		dlt_log__protocol_dispose(out);
		return rc;
	}
	if (changed)
		*changed = !current || current->min_reader_version != out->p.min_reader_version ||
		           current->min_writer_version != out->p.min_writer_version ||
		           current->n_reader_features != out->p.n_reader_features ||
		           current->n_writer_features != out->p.n_writer_features;
	return DLT_OK;
}

/* ----------------------------------------------------------- commit -- */

typedef struct prep {
	bool ict_on, ict_enable;         /* ICT on after the commit / turned on by it */
	bool blind;
	int64_t prev_ts;                 /* timestamp of the latest version seen; -1 */
} prep;

static int stage_required_protocol(dlt_txn *t, const char *const *extra, size_t n_extra,
                                   dlt_error *err)
{
	const dlt_log_metadata *md = dlt_log__txn_metadata(t);
	const dlt_log_protocol *cur = dlt_log__txn_protocol(t);
	dlt_log_protocol_owned po;
	dlt_log_action a;
	bool changed;
	int rc;

	if ((rc = dlt_log__protocol_required(&po, &changed, cur, md ? &md->configuration : NULL,
	                                     md ? md->schema_string : NULL, extra, n_extra,
	                                     err)) < 0)
		return rc;
	if (changed) {
		memset(&a, 0, sizeof(a));
		a.kind = DLT_LOG_PROTOCOL;
		a.protocol = po.p;
		/* the staged protocol must not count as a downgrade of itself */
		rc = dlt_log__txn_stage(t, &a, err);
	}
	dlt_log__protocol_dispose(&po);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int prepare(dlt_txn *t, prep *p, dlt_error *err)
{
	const dlt_log_metadata *md;
	const dlt_log_protocol *pr;
	const char *iso;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!t->snap && !t->has_md)
		return dlt_error_set(err, DLT_EINVAL, "creating a table: the first commit needs a "
		                     "metadata (dlt_txn_set_metadata)");
	if (t->has_md || t->has_proto) {
		const char *dm = "domainMetadata";
		if ((rc = stage_required_protocol(t, &dm, t->n_doms ? 1 : 0, err)) < 0)
			return rc;
	} else if (t->n_doms &&
	           !dlt_log__has_writer_feature(&t->snap->protocol, "domainMetadata")) {
		const char *dm = "domainMetadata";
		if ((rc = stage_required_protocol(t, &dm, 1, err)) < 0)
			return rc;
	}
	md = dlt_log__txn_metadata(t);
	pr = dlt_log__txn_protocol(t);
	if ((rc = dlt_log__check_writer_protocol(pr, md, err)) < 0)
		return rc;
	if (t->n_doms && !dlt_log__has_writer_feature(pr, "domainMetadata"))
		return dlt_error_set(err, DLT_EUNSUPPORTED, "domain metadata needs the "
		                     "domainMetadata writer feature");
	if (t->n_remove_data_change && conf_true(&md->configuration, "delta.appendOnly"))
		return dlt_error_set(err, DLT_EINVAL, "table is append-only (delta.appendOnly=true): "
		                     "cannot remove %zu file(s) with dataChange", t->n_remove_data_change);
	if (t->isolation == DLT_ISOLATION_DEFAULT) {
		iso = conf_get(&md->configuration, "delta.isolationLevel");
		t->isolation = iso && strcmp(iso, "Serializable") == 0 ? DLT_ISOLATION_SERIALIZABLE
		                                                       : DLT_ISOLATION_WRITE_SERIALIZABLE;
	}
	p->ict_on = conf_true(&md->configuration, "delta.enableInCommitTimestamps");
	p->ict_enable = p->ict_on && t->snap && !dlt_log__ict_enabled(t->snap);
	p->prev_ts = t->snap ? t->snap->timestamp : -1;
	p->blind = t->n_remove == 0 && t->n_add_no_change == 0 && !t->read_whole &&
	           t->n_preds == 0 && t->n_read_files == 0 && t->n_read_parts == 0;
	if (t->n_removed)
		qsort(t->removed, t->n_removed, sizeof(char *), cmp_str);
	if (t->n_read_files)
		qsort(t->read_files, t->n_read_files, sizeof(char *), cmp_str);
	return DLT_OK;
}

static int metric(dlt_buf *b, bool *first, const dlt_txn *t, const char *name, int64_t v,
                  dlt_error *err)
{
	int rc;
	for (size_t i = 0; i < t->n_metrics; i++)
		if (strcmp(t->metric_names[i], name) == 0)
			return DLT_OK; /* the caller's value is written instead */
	if (!*first && (rc = dlt_buf_append_byte(b, ',', err)) < 0)
		return rc;
	*first = false;
	return dlt_buf_appendf(b, err, "\"%s\":\"%" PRId64 "\"", name, v);
}

static int commit_info(dlt_buf *b, const dlt_txn *t, const prep *p, int64_t ts, int64_t ict,
                       dlt_error *err)
{
	char uuid[40];
	bool first = true;
	int rc;

	dlt_log__uuid(uuid);
	if ((rc = dlt_buf_append_str(b, "{\"commitInfo\":{", err)) < 0)
		return rc;
	if (p->ict_on && (rc = dlt_buf_appendf(b, err, "\"inCommitTimestamp\":%" PRId64 ",", ict)) < 0)
		return rc;
	if ((rc = dlt_buf_appendf(b, err, "\"timestamp\":%" PRId64 ",\"operation\":", ts)) < 0 ||
	    (rc = dlt_log__write_json_string(b, t->operation ? t->operation : "WRITE", err)) < 0 ||
	    (rc = dlt_buf_append_str(b, ",\"operationParameters\":", err)) < 0 ||
	    (rc = dlt_buf_append_str(b, t->op_params ? t->op_params : "{}", err)) < 0)
		return rc;
	if (t->read_version >= 0 &&
	    (rc = dlt_buf_appendf(b, err, ",\"readVersion\":%" PRId64, t->read_version)) < 0)
		return rc;
	if ((rc = dlt_buf_appendf(b, err, ",\"isolationLevel\":\"%s\",\"isBlindAppend\":%s,"
	                          "\"operationMetrics\":{", dlt_log__isolation_name(t->isolation),
	                          p->blind ? "true" : "false")) < 0)
		return rc;
	if (t->n_add && ((rc = metric(b, &first, t, "numFiles", (int64_t)t->n_add, err)) < 0 ||
	                 (rc = metric(b, &first, t, "numOutputBytes", t->add_bytes, err)) < 0 ||
	                 (!t->add_rows_unknown &&
	                  (rc = metric(b, &first, t, "numOutputRows", t->add_rows, err)) < 0)))
		return rc;
	if (t->n_remove &&
	    ((rc = metric(b, &first, t, "numRemovedFiles", (int64_t)t->n_remove, err)) < 0 ||
	     (rc = metric(b, &first, t, "numRemovedBytes", t->remove_bytes, err)) < 0))
		return rc;
	if (t->n_cdc &&
	    (rc = metric(b, &first, t, "numAddedChangeFiles", (int64_t)t->n_cdc, err)) < 0)
		return rc;
	for (size_t i = 0; i < t->n_metrics; i++) {
		if ((!first && (rc = dlt_buf_append_byte(b, ',', err)) < 0) ||
		    (rc = dlt_log__write_json_string(b, t->metric_names[i], err)) < 0 ||
		    (rc = dlt_buf_appendf(b, err, ":\"%" PRId64 "\"", t->metric_vals[i])) < 0)
			return rc;
		first = false;
	}
	if ((rc = dlt_buf_append_str(b, "},\"engineInfo\":", err)) < 0)
		return rc;
	if (t->engine_info)
		rc = dlt_log__write_json_string(b, t->engine_info, err);
	else
		rc = dlt_buf_appendf(b, err, "\"deltalite/%s\"", DLT_VERSION_STRING);
	if (rc < 0 || (rc = dlt_buf_appendf(b, err, ",\"txnId\":\"%s\"", uuid)) < 0)
		return rc;
	for (size_t i = 0; i < t->n_ci; i++)
		if ((rc = dlt_buf_append_byte(b, ',', err)) < 0 ||
		    (rc = dlt_log__write_json_string(b, t->ci_keys[i], err)) < 0 ||
		    (rc = dlt_buf_append_byte(b, ':', err)) < 0 ||
		    (rc = dlt_buf_append_str(b, t->ci_vals[i], err)) < 0)
			return rc;
	return dlt_buf_append_str(b, "}}\n", err);
}

/* Metadata with the ICT enablement properties for `version` (PROTOCOL.md:
 * delta.inCommitTimestampEnablementVersion / ...EnablementTimestamp). */
static int write_enablement_metadata(dlt_buf *b, const dlt_txn *t, int64_t version, int64_t ict,
                                     dlt_error *err)
{
	dlt_log_action a;
	dlt_log_kv *kv;
	char vbuf[32], tbuf[32];
	size_t n = 0;
	int rc;

	if (!(kv = dlt_calloc(t->md.configuration.n + 2, sizeof(*kv))))
		return dlt_error_set(err, DLT_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->md.configuration.n; i++) {
		const char *k = t->md.configuration.kv[i].key;
		if (strcmp(k, "delta.inCommitTimestampEnablementVersion") != 0 &&
		    strcmp(k, "delta.inCommitTimestampEnablementTimestamp") != 0)
			kv[n++] = t->md.configuration.kv[i];
	}
	snprintf(vbuf, sizeof(vbuf), "%" PRId64, version);
	snprintf(tbuf, sizeof(tbuf), "%" PRId64, ict);
	kv[n].key = "delta.inCommitTimestampEnablementVersion";
	kv[n++].value = vbuf;
	kv[n].key = "delta.inCommitTimestampEnablementTimestamp";
	kv[n++].value = tbuf;
	memset(&a, 0, sizeof(a));
	a.kind = DLT_LOG_METADATA;
	a.metadata = t->md;
	a.metadata.configuration.n = n;
	a.metadata.configuration.kv = kv;
	rc = dlt_log__write_action(b, &a, err);
	dlt_free(kv);
	return rc;
}

static int build_commit(dlt_buf *b, dlt_txn *t, const prep *p, int64_t version, dlt_error *err)
{
	int64_t now = dlt_log__txn_now(t), ict = now;
	dlt_log_action a;
	int rc;

	dlt_buf_clear(b);
	if (p->ict_on && p->prev_ts >= 0 && ict <= p->prev_ts)
		ict = p->prev_ts + 1; /* strictly increasing */
	if ((rc = commit_info(b, t, p, p->ict_on ? ict : now, ict, err)) < 0)
		return rc;
	memset(&a, 0, sizeof(a));
	if (t->has_proto) {
		a.kind = DLT_LOG_PROTOCOL;
		a.protocol = t->proto;
		if ((rc = dlt_log__write_action(b, &a, err)) < 0)
			return rc;
	}
	if (t->has_md) {
		if (p->ict_enable) {
			rc = write_enablement_metadata(b, t, version, ict, err);
		} else {
			a.kind = DLT_LOG_METADATA;
			a.metadata = t->md;
			rc = dlt_log__write_action(b, &a, err);
		}
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < t->n_apps; i++) {
		a.kind = DLT_LOG_TXN;
		a.txn = t->apps[i];
		a.txn.last_updated = now;
		if ((rc = dlt_log__write_action(b, &a, err)) < 0)
			return rc;
	}
	for (size_t i = 0; i < t->n_doms; i++) {
		a.kind = DLT_LOG_DOMAIN_METADATA;
		a.domain.domain = t->doms[i].domain;
		a.domain.configuration = t->doms[i].configuration;
		a.removed = t->doms[i].removed;
		if ((rc = dlt_log__write_action(b, &a, err)) < 0)
			return rc;
	}
	return dlt_buf_append(b, t->files.data, t->files.len, err);
}

static void commit_key(char *key, size_t cap, int64_t v)
{
	snprintf(key, cap, "_delta_log/%020" PRId64 ".json", v);
}

static void post_commit(dlt_txn *t)
{
	const dlt_txn_hook *g;
	size_t ng = dlt_log__global_hooks(&g);
	dlt_snapshot *post = NULL;
	dlt_error e;
	int rc;

	t->hook_rc = DLT_OK;
	if (t->write_crc) {
		if ((rc = dlt_log__txn_post_snapshot(&post, t, &e)) < 0 ||
		    (rc = dlt_log__crc_write(t->root->storage, post, &e)) < 0) {
			t->hook_rc = rc;
			t->hook_err = e;
			dlt_error_prefix(&t->hook_err, "version %" PRId64 ": checksum", t->version);
		}
	}
	/* Built-in: checkpoint every delta.checkpointInterval commits (and clean up
	 * expired logs), unless the embedder registered its own global "checkpoint"
	 * hook (a no-op one disables it). Failures are recorded, never fatal. */
	bool own_checkpoint = false;
	for (size_t i = 0; i < ng; i++)
		if (strcmp(g[i].name, "checkpoint") == 0)
			own_checkpoint = true;
	if (!own_checkpoint && (rc = dlt_log__checkpoint_hook(t, t->version, NULL, &e)) < 0 &&
	    t->hook_rc == DLT_OK) {
		t->hook_rc = rc;
		t->hook_err = e;
		dlt_error_prefix(&t->hook_err, "version %" PRId64 ": checkpoint", t->version);
	}
	for (size_t pass = 0; pass < 2; pass++) {
		const dlt_txn_hook *h = pass == 0 ? g : t->hooks;
		size_t n = pass == 0 ? ng : t->n_hooks;
		for (size_t i = 0; i < n; i++) {
			if ((rc = h[i].fn(t, t->version, h[i].payload, &e)) < 0 && t->hook_rc == DLT_OK) {
				t->hook_rc = rc;
				t->hook_err = e;
				dlt_error_prefix(&t->hook_err, "version %" PRId64 ": post-commit hook '%s'",
				                 t->version, h[i].name);
			}
		}
	}
}

int dlt_txn_commit(int64_t *version_out, dlt_txn *txn, dlt_error *err)
{
	dlt_buf b = DLT_BUF_INIT;
	prep p;
	char key[64];
	int64_t attempt;
	int tries = 0, rc;
	dlt_storage *st;

	DLT_ARG_CHECK(txn != NULL, err);
	if (txn->committed)
		return dlt_error_set(err, DLT_EINVAL, "transaction already committed (version %" PRId64
		                     ")", txn->version);
	if ((rc = prepare(txn, &p, err)) < 0)
		return rc;
	st = txn->root->storage;
	attempt = txn->read_version + 1;
	txn->attempts = 0;
	for (;;) {
		if ((rc = build_commit(&b, txn, &p, attempt, err)) < 0)
			goto done;
		commit_key(key, sizeof(key), attempt);
		txn->attempts++;
		rc = dlt_storage_put(st, key, b.data, b.len, DLT_PUT_IF_ABSENT, err);
		if (rc == DLT_OK)
			break;
		if (rc != DLT_EEXISTS) {
			dlt_error_prefix(err, "commit of version %" PRId64, attempt);
			goto done;
		}
		if (tries >= txn->max_retries) {
			rc = dlt_error_set(err, DLT_ECONFLICT, "commit conflict: version %" PRId64 " was "
			                   "written concurrently and %d retr%s exhausted", attempt,
			                   txn->max_retries, txn->max_retries == 1 ? "y is" : "ies are");
			goto done;
		}
		tries++;
		/* check every winning commit from `attempt` on, then rebase after them */
		for (;;) {
			dlt_bytes w = DLT_BYTES_INIT;
			dlt_error e2;
			int64_t ict = -1;
			commit_key(key, sizeof(key), attempt);
			rc = dlt_storage_get(&w, st, key, &e2);
			if (rc == DLT_ENOTFOUND)
				break;
			if (rc < 0) {
				if (err)
					*err = e2;
				dlt_error_prefix(err, "reading winning commit %" PRId64, attempt);
				goto done;
			}
			rc = dlt_log__txn_check_winner(txn, attempt, w.data, w.len, &ict, err);
			dlt_bytes_dispose(&w);
			if (rc < 0)
				goto done;
			if (ict >= 0)
				p.prev_ts = DLT_MAX(p.prev_ts, ict);
			attempt++;
		}
	}
	txn->committed = true;
	txn->version = attempt;
	if (version_out)
		*version_out = attempt;
	dlt_buf_dispose(&b);
	post_commit(txn);
	return DLT_OK;
done:
	dlt_buf_dispose(&b);
	return rc;
}
