using System.Reflection;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhotoApi.Client;

// Hand-written next to the generated PhotoApiClient.g.cs (which is never edited): NSwag's System.Text.Json output gives
// enum properties a string converter but not arrays of enums ("TODO(system.text.json): Add ItemConverterType"), so a
// response with one (getPublicPhotoRequest's acceptedMediaTypes, …) could not be read at all. Every enum of the client
// is read and written as the contract spells its values (the EnumMember values NSwag generates).
public partial class PhotoApiClient
{
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings) => settings.Converters.Add(new ContractEnumConverter());
}

/// <summary>Converts the client's enums to and from the contract's values (<see cref="EnumMemberAttribute.Value"/>).</summary>
public sealed class ContractEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(System.Type typeToConvert) => typeToConvert.IsEnum && typeToConvert.Assembly == typeof(ContractEnumConverter).Assembly;

    public override JsonConverter CreateConverter(System.Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly Dictionary<string, T> ByValue = Enum.GetValues<T>().ToDictionary(Name);
        private static readonly Dictionary<T, string> ByMember = ByValue.ToDictionary(p => p.Value, p => p.Key);

        private static string Name(T value) =>
            typeof(T).GetField(value.ToString())!.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? value.ToString();

        public override T Read(ref Utf8JsonReader reader, System.Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() is { } s && ByValue.TryGetValue(s, out var value)
                ? value
                : throw new JsonException($"'{reader.GetString()}' is not a value of {typeof(T).Name} in the contract.");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(ByMember[value]);
    }
}
