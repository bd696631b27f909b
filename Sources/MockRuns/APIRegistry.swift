/// Every API the server fakes. A new API is a new folder beside the others plus one line here.
public enum APIRegistry {
    public static let fakes: [any APIFake] = [
        FoundryFake(),
        SolvexiaFake(),
        WorkspaceFake(),
        ControllerFake(),
        WESFake(),
    ]
}
