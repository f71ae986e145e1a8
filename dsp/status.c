/* The one status table: see include/rappel/status.h. */
#include "rappel/status.h"

#include <stddef.h>

typedef struct {
    rpl_status code;
    const char *message;
} status_entry;

#define RPL_STATUS_TABLE_ENTRY(name, value, message) {name, message},
static const status_entry status_table[] = {RPL_STATUS_LIST(RPL_STATUS_TABLE_ENTRY)};
#undef RPL_STATUS_TABLE_ENTRY

const char *rpl_strerror(rpl_status status)
{
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++) {
        if (status_table[i].code == status) {
            return status_table[i].message;
        }
    }
    return "unknown status";
}

int rpl_status_count(void)
{
    return (int)(sizeof status_table / sizeof status_table[0]);
}

rpl_status rpl_status_at(int i)
{
    if (i < 0 || i >= rpl_status_count()) {
        return RPL_ERR_INVALID_ARG;
    }
    return status_table[i].code;
}
