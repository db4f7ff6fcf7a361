package mapio

import "github.com/actorgraph/actorgraph/domain"

// exportRows lays a workspace's contents out as rows, per file name, under
// the template's headers: the one mapping of records to cells that every
// tabular format shares.
func exportRows(c *domain.Contents) map[string][][]string {
	files, _ := exportTables(c)
	return files
}
