from locust import HttpUser, task


class MyUser(HttpUser):
    def wait_time(self):
        return 1

    @task
    def get_orders(self):
        self.client.get("/orders")
