using System.Text;

namespace ReasonFlux.Grading.Datasets;

/// <summary>
/// A small RFC 4180 reader (quoted fields, "" escapes, newlines inside quotes). Each record reports the
/// physical line it starts on, so errors can name it.
/// </summary>
internal static class CsvReader
{
    public static IEnumerable<(int Line, List<string> Fields)> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int line = 1;
        var field = new StringBuilder();
        var fields = new List<string>();
        bool inQuotes = false, any = false;
        int recordLine = 1;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            char ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else inQuotes = false;
                }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"':
                    inQuotes = true;
                    any = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    if (any || fields.Count > 1 || fields[0].Length > 0) yield return (recordLine, fields);
                    fields = [];
                    any = false;
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(ch);
                    any = true;
                    break;
            }
        }
        if (inQuotes) throw new InvalidDataException($"{path}:{recordLine}: unterminated quoted field");
        if (any || field.Length > 0)
        {
            fields.Add(field.ToString());
            yield return (recordLine, fields);
        }
    }
}
