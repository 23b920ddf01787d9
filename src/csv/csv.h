/* Internal declarations of the text module (CSV/NDJSON readers, writers). */
#ifndef DLT_CSV_CSV_H
#define DLT_CSV_CSV_H

#include "deltalite/text.h"
#include "util/util.h"

#endif /* DLT_CSV_CSV_H */
