/*
 * cjson-pointer.c - the tests' long-running user of libcjson_utils: looks
 * each JSON pointer it reads (one a line) up in the array [0, 1, ..., 29]
 * with cJSONUtils_GetPointer and prints what it finds, or "none".
 */
#include <cJSON.h>
#include <cJSON_Utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	cJSON *doc = cJSON_CreateArray();
	char line[256];

	for (int i = 0; i < 30; i++)
		cJSON_AddItemToArray(doc, cJSON_CreateNumber(i));
	while (fgets(line, sizeof(line), stdin)) {
		cJSON *item;
		char *text;

		line[strcspn(line, "\n")] = '\0';
		item = cJSONUtils_GetPointer(doc, line);
		text = item ? cJSON_PrintUnformatted(item) : NULL;
		printf("%s\n", text ? text : "none");
		fflush(stdout);
		free(text);
	}
	cJSON_Delete(doc);
	return 0;
}
