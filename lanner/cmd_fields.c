/* cmd_fields.c: `lanner list-fields [PREFIX]` (also --list): the field catalogue, typed and described. */
#include <string.h>

#include "cli.h"
#include "fields.h"

int cmd_list_fields(int argc, char **argv)
{
	const char *prefix = argc > 1 ? argv[1] : NULL;
	size_t shown = 0;

	for (size_t i = 0; i < fld_count(); i++) {
		const struct fld_info *f = fld_info((enum fld_id)i);
		char flags[96] = "";

		if (!f || (prefix && strncmp(f->name, prefix, strlen(prefix)) != 0))
			continue;
		if (f->flags & FLD_F_TABLE_ONLY)
			continue;
		if (f->flags & FLD_F_ARG_REQUIRED)
			strcat(flags, " [arg required]");
		else if (f->flags & FLD_F_ARG_ALLOWED)
			strcat(flags, " [arg allowed]");
		if (f->flags & FLD_F_FILTER_ONLY)
			strcat(flags, " [filter only]");
		if (f->flags & FLD_F_PRINT_ONLY)
			strcat(flags, " [output only]");
		if (f->flags & FLD_F_DEPRECATED)
			strcat(flags, " [deprecated]");
		printf("%-32s %-10s %s%s\n", f->name, fld_type_name(f->type), f->desc, flags);
		shown++;
	}
	return shown ? 0 : 1;
}
