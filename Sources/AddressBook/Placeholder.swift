import Federation
import SQLiteNIO
import PostgresNIO
enum AddressBookPlaceholder {}
